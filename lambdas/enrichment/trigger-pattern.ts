import { sourceOf } from '../core/event.js';
import type { Vendor } from '../core/vendor.js';

/** An EventBridge event pattern, as `put-rule --event-pattern` takes it. */
export interface EventPattern {
  readonly source: readonly string[];
  readonly detail: { readonly vendorEventType: readonly string[] };
}

/**
 * The pattern of the rule that sends a vendor's published events to enrichment: its events whose
 * `vendorEventType` its API names a trigger. Stated once: the stack's rule and local mode's
 * matcher are both built from it. `undefined` for a vendor that is never enriched.
 */
export function enrichmentPattern(vendor: Vendor): EventPattern | undefined {
  const triggers = vendor.api?.enrichAfter ?? [];
  if (triggers.length === 0) return undefined;
  return { source: [sourceOf(vendor.id)], detail: { vendorEventType: [...triggers] } };
}
