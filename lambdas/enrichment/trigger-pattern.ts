import { sourceOf } from '../core/event.js';
import type { Vendor } from '../core/vendor.js';
import { reconciles } from '../reconcile/open-subjects.js';

/** An EventBridge event pattern, as `put-rule --event-pattern` takes it. */
export interface EventPattern {
  readonly source: readonly string[];
  readonly detail?: { readonly vendorEventType: readonly string[] };
}

/**
 * The pattern of the rule that sends a vendor's published events to its API worker: every event
 * of a vendor that reconciles (each one may open or close a subject), else only the events its API
 * names enrichment triggers. Stated once: the stack's rule and local mode's matcher are both built
 * from it. `undefined` for a vendor whose API is never asked.
 */
export function vendorApiPattern(vendor: Vendor): EventPattern | undefined {
  const source = [sourceOf(vendor.id)];
  if (reconciles(vendor.api)) return { source };
  const triggers = vendor.api?.enrichAfter ?? [];
  if (triggers.length === 0) return undefined;
  return { source, detail: { vendorEventType: [...triggers] } };
}
