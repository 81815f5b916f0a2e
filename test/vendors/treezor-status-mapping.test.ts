import { describe, expect, it } from 'vitest';
import type { Status } from '../../lambdas/core/event.js';
import { parseJson } from '../../lambdas/core/json.js';
import { TREEZOR_ROUTE, treezor } from '../../lambdas/vendors/treezor.js';
import { knownAnswers, rowsFor } from '../suites/known-answers.js';
import { vendorFixtures } from '../support/vendor-fixtures.js';

/**
 * Treezor's status mapping (the README's table, generated from `treezor.statusMapping`) against
 * the vendors' own words — Treezor's KYC codes, IDnow's identification results, Ubble's liveness
 * words — as the known-answer fixtures hold them, not as the vendor module does. Every row the
 * module declares must be in this table with the same status, and every word here must normalize
 * to its status.
 */

const FIXTURES = vendorFixtures(treezor);
const KYC_REVIEW_CODES = knownAnswers<[string, string, Status]>(FIXTURES, 'kyc-review-codes.json');
const SIGNED_WORDS = knownAnswers<[string, string, Status]>(FIXTURES, 'signed-status-words.json');

/** The words `signed-status-words.json` lists for `event`, and the status each means. */
const signedWords = (event: string): Readonly<Record<string, Status>> =>
  Object.fromEntries(rowsFor(SIGNED_WORDS, event));

const EXPECTED: Readonly<Record<string, Readonly<Record<string, Status>>>> = {
  kycReview: Object.fromEntries(KYC_REVIEW_CODES.map(([code, , status]) => [code, status])),
  // Level 4 is REFUSED, whatever the review says.
  kycLevel: { '4': 'rejected' },
  userStatus: { CANCELED: 'cancelled' },
  kycStatus: signedWords('kycreview.result'),
  documentStatus: signedWords('document.update'),
  'kyc-status': signedWords('kycliveness.update'),
  // Ubble: 1 valid, 0 invalid, -1 undecidable (try again).
  score: { '1': 'approved', '0': 'rejected', '-1': 'needs_info' },
  // IDnow's words, the same for a QES and a video identification.
  result: signedWords('qes.finalized'),
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
