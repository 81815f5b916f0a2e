import { describe, expect, it } from 'vitest';
import { parseJson } from '../../lambdas/core/json.js';
import type { StatusMappingRow } from '../../lambdas/core/vendor.js';
import {
  IDWISE_BODY_FIELDS,
  IDWISE_DECISION_PRECEDENCE,
  IDWISE_ENVELOPE,
  IDWISE_EVENTS,
  IDWISE_ROUTE,
  idwise,
} from '../../lambdas/vendors/idwise.js';

/**
 * Every row of IDWise's status mapping (the README's table) holds in `normalize`, with the
 * smallest delivery that carries the row's value.
 */

const DECISION_FIELDS: readonly string[] = IDWISE_DECISION_PRECEDENCE.map(({ key }) => key);

function normalize(event: string, body: Record<string, unknown>) {
  const text = JSON.stringify({
    [IDWISE_ENVELOPE.event]: event,
    [IDWISE_ENVELOPE.body]: {
      [IDWISE_BODY_FIELDS.eventId]: 'e-1',
      [IDWISE_BODY_FIELDS.journeyId]: 'j-1',
      ...body,
    },
  });
  return idwise.normalize({
    route: IDWISE_ROUTE,
    body: text,
    json: parseJson(text),
    receivedAt: '2026-01-01T00:00:00.000Z',
  });
}

/** The deliveries a row describes: a decision word alone in each field it names, or an event. */
function deliveriesFor(row: StatusMappingRow) {
  if (row.field === IDWISE_ENVELOPE.event) {
    // The event decides even when the journey's decision says approved.
    return [normalize(row.value, { [IDWISE_BODY_FIELDS.finalDecision]: 'Approved' })];
  }
  const fields = row.field.split(' / ');
  for (const field of fields) {
    if (!DECISION_FIELDS.includes(field)) throw new Error(`unknown IDWise field "${field}"`);
  }
  return fields.flatMap((field) => [
    normalize(IDWISE_EVENTS.finishedJourney, { [field]: row.value }),
    // Any letter case, as the row says.
    normalize(IDWISE_EVENTS.finishedJourney, { [field]: row.value.toUpperCase() }),
  ]);
}

describe('IDWise status mapping', () => {
  it.each(idwise.statusMapping)('$field = $value → $status', (row) => {
    const deliveries = deliveriesFor(row);
    expect(deliveries.length).toBeGreaterThan(0);
    for (const drafts of deliveries) {
      expect(drafts).toHaveLength(1);
      expect(drafts[0]?.status).toBe(row.status);
    }
  });

  it('names the decision fields in precedence order', () => {
    const decisionRows = idwise.statusMapping.filter((row) => row.field !== IDWISE_ENVELOPE.event);
    for (const row of decisionRows) expect(row.field.split(' / ')).toEqual(DECISION_FIELDS);
  });
});
