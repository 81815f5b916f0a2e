import { describe, expect, it } from 'vitest';
import type { NormalizedDraft } from '../../lambdas/core/event.js';
import { MAX_CLOCK_AHEAD_MS, withPlausibleTime, type Delivery } from '../../lambdas/core/vendor.js';
import { treezor } from '../../lambdas/vendors/treezor.js';
import { vendorFixtures } from '../support/vendor-fixtures.js';

const RECEIVED_AT = '2026-06-01T12:00:00.000Z';
const delivery: Delivery = { route: '/x', body: '{}', json: {}, receivedAt: RECEIVED_AT };
const draft = (occurredAt?: string): NormalizedDraft => ({
  detailType: 'KYC Vendor Event',
  vendorEventType: 'x',
  status: 'unknown',
  scope: 'other',
  vendorStatus: null,
  ...(occurredAt !== undefined && { occurredAt }),
});
const at = (offsetMs: number) => new Date(Date.parse(RECEIVED_AT) + offsetMs).toISOString();

describe('vendor times in the future', () => {
  it.each([
    ['in the past', at(-86_400_000), true],
    ['at receipt', at(0), true],
    ['within the allowed clock skew', at(MAX_CLOCK_AHEAD_MS), true],
    ['just beyond it', at(MAX_CLOCK_AHEAD_MS + 1), false],
    ['a year ahead', at(365 * 86_400_000), false],
  ])('a time %s is %s kept', (_name, occurredAt, kept) => {
    expect(withPlausibleTime(draft(occurredAt), delivery).occurredAt).toBe(
      kept ? occurredAt : undefined,
    );
  });

  it('leaves a draft without a time alone', () => {
    expect(withPlausibleTime(draft(), delivery)).toEqual(draft());
  });

  it('applies to every vendor: a replayed Treezor delivery with a forged future date is ordered by receipt', () => {
    const fixtures = vendorFixtures(treezor);
    const { body } = fixtures.read('qes.created');
    // webhook_created_at is outside object_payload, so not covered by the signature.
    const forged = body.replace(/"webhook_created_at":\d+/, '"webhook_created_at":99999999999999');
    const [event] = treezor.normalize({
      route: '/webhooks/treezor',
      body: forged,
      json: JSON.parse(forged),
      receivedAt: RECEIVED_AT,
    });
    expect(event?.occurredAt).toBeUndefined();
  });
});
