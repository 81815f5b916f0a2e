import { expect } from 'vitest';
import { DETAIL_TYPES, SCOPES, STATUSES, type NormalizedDraft } from '../../lambdas/core/event.js';

/**
 * A draft speaks only the shared vocabulary (`lambdas/core/event.ts`): a known status, scope and
 * detail type, a vendor event type that is not empty, vendor words or null, and a vendor time in
 * the one ISO form the contract publishes (a real instant, in milliseconds, UTC).
 */
const CANONICAL_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function expectInVocabulary(draft: NormalizedDraft): void {
  expect(STATUSES).toContain(draft.status);
  expect(SCOPES).toContain(draft.scope);
  expect(DETAIL_TYPES).toContain(draft.detailType);
  expect(typeof draft.vendorEventType).toBe('string');
  expect(draft.vendorEventType).not.toBe('');
  expect(draft.vendorStatus === null || typeof draft.vendorStatus === 'string').toBe(true);
  if (draft.occurredAt !== undefined) {
    expect(draft.occurredAt).toMatch(CANONICAL_INSTANT);
    expect(new Date(draft.occurredAt).toISOString()).toBe(draft.occurredAt);
  }
}

/**
 * What every vendor drafts for a body its reader cannot read: a vendor event of unknown type,
 * with no subject and no verdict (written here, not taken from the vendors' code).
 */
export const UNREAD_VENDOR_EVENT = {
  detailType: 'KYC Vendor Event',
  vendorEventType: 'unknown',
  status: 'unknown',
  scope: 'other',
  vendorStatus: null,
} as const;
