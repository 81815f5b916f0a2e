import { describe, expect, it } from 'vitest';
import type { Status } from '../../lambdas/core/event.js';
import { parseJson } from '../../lambdas/core/json.js';
import { TREEZOR_ROUTE, treezor } from '../../lambdas/vendors/treezor.js';

/**
 * Treezor's status mapping (the README's table, generated from `treezor.statusMapping`) against
 * a table written here from the vendors' own words — Treezor's KYC codes, IDnow's identification
 * results, Ubble's liveness words — not from the vendor module. Every row the module declares must
 * be in this table with the same status, and every word here must normalize to its status.
 */

const EXPECTED: Readonly<Record<string, Readonly<Record<string, Status>>>> = {
  // Treezor: 0 NONE, 1 PENDING, 2 VALIDATED, 3 REFUSED, 4 INVESTIGATING, 5 CLOSED,
  // 6 REVIEW_OPEN (waiting on the user), 7 REVIEW_PENDING.
  kycReview: {
    '0': 'pending',
    '1': 'in_review',
    '2': 'approved',
    '3': 'rejected',
    '4': 'in_review',
    '5': 'cancelled',
    '6': 'needs_info',
    '7': 'in_review',
  },
  // Level 4 is REFUSED, whatever the review says.
  kycLevel: { '4': 'rejected' },
  userStatus: { CANCELED: 'cancelled' },
  kycStatus: { PENDING: 'in_review', VALIDATED: 'approved', REFUSED: 'rejected' },
  documentStatus: {
    PENDING: 'in_review',
    VALIDATED: 'approved',
    REFUSED: 'rejected',
    CANCELED: 'cancelled',
  },
  // Ubble v1; `refused` (v2) is the user declining consent.
  'kyc-status': {
    uninitiated: 'pending',
    initiated: 'in_progress',
    processing: 'in_review',
    aborted: 'cancelled',
    expired: 'expired',
    refused: 'cancelled',
  },
  // Ubble: 1 valid, 0 invalid, -1 undecidable (try again).
  score: { '1': 'approved', '0': 'rejected', '-1': 'needs_info' },
  // IDnow: CANCELED may be restarted; FRAUD_SUSPICION_CONFIRMED is final.
  result: {
    STARTED: 'in_progress',
    CHECK_PENDING: 'in_review',
    REVIEW_PENDING: 'in_review',
    FRAUD_SUSPICION_PENDING: 'in_review',
    ABORTED: 'cancelled',
    CANCELED: 'cancelled',
    SUCCESS: 'approved',
    SUCCESS_DATA_CHANGED: 'approved',
    FRAUD_SUSPICION_CONFIRMED: 'rejected',
  },
};

/** The smallest signed payload that carries `value` where Treezor puts the field. */
const PAYLOADS: Readonly<Record<string, (value: string) => unknown>> = {
  kycReview: (value) => ({ users: [{ userId: '1', kycReview: value }] }),
  kycLevel: (value) => ({ users: [{ userId: '1', kycReview: '2', kycLevel: value }] }),
  userStatus: (value) => ({ users: [{ userId: '1', kycReview: '2', userStatus: value }] }),
  kycStatus: (value) => ({ userId: '1', kycStatus: value }),
  documentStatus: (value) => ({ documents: [{ documentId: 'd-1', documentStatus: value }] }),
  'kyc-status': (value) => ({ user_id: '1', 'kyc-status': value }),
  score: (value) => ({ user_id: '1', 'kyc-status': 'processed', score: Number(value) }),
  result: (value) => ({ transactionNumber: 't-1', result: value }),
};

function statusOf(fieldName: string, value: string): Status | undefined {
  const build = PAYLOADS[fieldName];
  if (!build) throw new Error(`no payload for Treezor field "${fieldName}": add one to PAYLOADS`);
  // The envelope's name is deliberately unrelated: only the signed payload may decide.
  const body = JSON.stringify({ webhook: 'card.update', object_payload: build(value) });
  const drafts = treezor.normalize({
    route: TREEZOR_ROUTE,
    body,
    json: parseJson(body),
    receivedAt: '2026-01-01T00:00:00.000Z',
  });
  expect(drafts).toHaveLength(1);
  return drafts[0]?.status;
}

const expectedRows = Object.entries(EXPECTED).flatMap(([fieldName, words]) =>
  Object.entries(words).map(([value, status]) => ({ field: fieldName, value, status })),
);

describe('Treezor status mapping', () => {
  it.each(expectedRows)("normalizes $field = '$value' to $status", ({ field, value, status }) => {
    expect(statusOf(field, value)).toBe(status);
  });

  it('declares exactly these rows for the README', () => {
    const declared = treezor.statusMapping.map(({ field, value, status }) => ({
      field,
      value,
      status,
    }));
    expect(declared).toEqual(expectedRows);
  });
});
