import { describe, expect, it } from 'vitest';
import { parseJson } from '../../lambdas/core/json.js';
import type { StatusMappingRow } from '../../lambdas/core/vendor.js';
import {
  ENVELOPE_FIELDS,
  LIVENESS_PROCESSED,
  PAYLOAD_FIELDS,
  TREEZOR_ROUTE,
  treezor,
} from '../../lambdas/vendors/treezor.js';

/**
 * Every row of Treezor's status mapping (the README's table) holds in `normalize`: for each
 * field, the smallest envelope that carries the row's value where Treezor puts it.
 */

type Envelope = Record<string, unknown>;

const envelope = (event: string, payload: unknown): Envelope => ({
  [ENVELOPE_FIELDS.event]: event,
  [ENVELOPE_FIELDS.eventId]: 'w-1',
  [ENVELOPE_FIELDS.objectId]: 'o-1',
  [ENVELOPE_FIELDS.payload]: payload,
});

const user = (fields: Record<string, string>) => ({
  [PAYLOAD_FIELDS.users]: [{ [PAYLOAD_FIELDS.userId]: '1', ...fields }],
});

/** Builds a body per mapped field; a row with a field not listed here fails loudly. */
const BODIES: Readonly<Record<string, (value: string) => Envelope>> = {
  [PAYLOAD_FIELDS.kycReview]: (value) =>
    envelope('user.update', user({ [PAYLOAD_FIELDS.kycReview]: value })),
  // The level decides even beside a validated review.
  [PAYLOAD_FIELDS.kycLevel]: (value) =>
    envelope(
      'user.update',
      user({ [PAYLOAD_FIELDS.kycReview]: '2', [PAYLOAD_FIELDS.kycLevel]: value }),
    ),
  [PAYLOAD_FIELDS.kycStatus]: (value) =>
    envelope('kycreview.result', {
      [PAYLOAD_FIELDS.userId]: '1',
      [PAYLOAD_FIELDS.kycStatus]: value,
    }),
  [PAYLOAD_FIELDS.documentStatus]: (value) =>
    envelope('document.update', {
      [PAYLOAD_FIELDS.documents]: [
        { [PAYLOAD_FIELDS.documentId]: 'd-1', [PAYLOAD_FIELDS.documentStatus]: value },
      ],
    }),
  [PAYLOAD_FIELDS.livenessStatus]: (value) =>
    envelope('kycliveness.update', { [PAYLOAD_FIELDS.livenessStatus]: value }),
  [PAYLOAD_FIELDS.livenessScore]: (value) =>
    envelope('kycliveness.update', {
      [PAYLOAD_FIELDS.livenessStatus]: LIVENESS_PROCESSED,
      [PAYLOAD_FIELDS.livenessScore]: value,
    }),
  [PAYLOAD_FIELDS.result]: (value) => envelope('qes.finalized', { [PAYLOAD_FIELDS.result]: value }),
  // The event name decides even when the payload's codes say approved.
  [ENVELOPE_FIELDS.event]: (value) =>
    envelope(value, {
      ...user({ [PAYLOAD_FIELDS.kycReview]: '2' }),
      [PAYLOAD_FIELDS.documents]: [
        { [PAYLOAD_FIELDS.documentId]: 'd-1', [PAYLOAD_FIELDS.documentStatus]: 'VALIDATED' },
      ],
    }),
};

function normalizeRow(row: StatusMappingRow) {
  const build = BODIES[row.field];
  if (!build) throw new Error(`no test body for Treezor field "${row.field}": add one to BODIES`);
  const body = JSON.stringify(build(row.value));
  return treezor.normalize({
    route: TREEZOR_ROUTE,
    body,
    json: parseJson(body),
    receivedAt: '2026-01-01T00:00:00.000Z',
  });
}

describe('Treezor status mapping', () => {
  it.each(treezor.statusMapping)('$field = $value → $status', (row) => {
    const drafts = normalizeRow(row);
    expect(drafts.length).toBeGreaterThan(0);
    for (const draft of drafts) expect(draft.status).toBe(row.status);
  });
});
