import { describe, expect, it } from 'vitest';
import type { Status } from '../../lambdas/core/event.js';
import { parseJson } from '../../lambdas/core/json.js';
import { idwise } from '../../lambdas/vendors/idwise.js';
import { vendorFixtures } from '../support/vendor-fixtures.js';

/**
 * IDWise's status mapping, held against a table written here from IDWise's documentation, never
 * read from the vendor's code: the words come from the fixtures (what IDWise sends), the expected
 * statuses from the tables below. The vendor's `statusMapping` (the README's table) is then
 * checked against the same tables, so neither the code nor the README can drift from them.
 */

const ROUTE = '/webhooks/idwise';

/**
 * Decision words → status. IDWise: `Complete` is shown as "passed" (every automatic check
 * passed, nothing referred), `Incomplete` means the person has not finished the steps, `Refer`
 * sends the journey to a reviewer; `Approved` / `Rejected` are a reviewer's verdicts.
 */
const DECISION_STATUSES: Readonly<Record<string, Status>> = {
  Approved: 'approved',
  Rejected: 'rejected',
  Complete: 'approved',
  Incomplete: 'in_progress',
  Refer: 'in_review',
};

/**
 * Events whose meaning decides whatever the decisions say: the person must resubmit steps, or
 * the renewal window closed without them.
 */
const EVENT_STATUSES: Readonly<Record<string, Status>> = {
  'Verification Update Required': 'needs_info',
  'KYC Renewal Deadline Exceeded': 'expired',
};

/**
 * IDWise: the final decision mirrors the manual one after a review, else the system one; so the
 * first present of these decides.
 */
const DECISION_FIELDS = ['finalDecision', 'manualDecision', 'systemDecision'] as const;
type DecisionField = (typeof DECISION_FIELDS)[number];

/** IDWise's words are compared in any letter case. */
function expectedForWord(word: string): Status | undefined {
  const key = Object.keys(DECISION_STATUSES).find((k) => k.toLowerCase() === word.toLowerCase());
  return key === undefined ? undefined : DECISION_STATUSES[key];
}

interface Sent {
  readonly event: string;
  readonly body: Readonly<Record<string, unknown>>;
}

const FIXTURES = vendorFixtures(idwise)
  .all()
  .map((fixture) => ({ ...fixture, sent: JSON.parse(fixture.body) as Sent }));

/** Every decision word the fixtures carry, once per field it appears in. */
const FIXTURE_WORDS: readonly (readonly [DecisionField, string])[] = [
  ...new Map(
    FIXTURES.flatMap(({ sent }) =>
      DECISION_FIELDS.flatMap((name) => {
        const word = sent.body[name];
        return typeof word === 'string'
          ? [[`${name}=${word}`, [name, word] as const] as const]
          : [];
      }),
    ),
  ).values(),
];

const FIXTURE_EVENTS: readonly string[] = [...new Set(FIXTURES.map(({ sent }) => sent.event))];

function normalize(event: string, body: Readonly<Record<string, unknown>>) {
  const text = JSON.stringify({ event, body: { eventId: 'e-1', journeyId: 'j-1', ...body } });
  const drafts = idwise.normalize({
    route: ROUTE,
    body: text,
    json: parseJson(text),
    receivedAt: '2026-01-01T00:00:00.000Z',
  });
  expect(drafts).toHaveLength(1);
  return drafts[0];
}

describe('IDWise status mapping', () => {
  it('the fixtures carry decision words and events to check', () => {
    expect(FIXTURE_WORDS.length).toBeGreaterThan(0);
    expect(FIXTURE_EVENTS.length).toBeGreaterThan(0);
  });

  it.each(FIXTURE_WORDS)('%s = %s, alone, gives the documented status', (name, word) => {
    const expected = expectedForWord(word);
    expect(expected, `no expected status for the fixture word "${word}"`).toBeDefined();
    expect(normalize('Finished Journey', { [name]: word })?.status).toBe(expected);
  });

  it.each(Object.entries(EVENT_STATUSES))(
    'the event %s gives %s, whatever the decision says',
    (event, status) => {
      expect(FIXTURE_EVENTS).toContain(event);
      for (const word of Object.keys(DECISION_STATUSES)) {
        expect(normalize(event, { finalDecision: word })?.status).toBe(status);
      }
      expect(normalize(event, {})?.status).toBe(status);
    },
  );

  it.each(FIXTURES.map((fixture) => [fixture.name, fixture] as const))(
    'fixture %s: the event, else the first decision present, decides',
    (_name, { body, sent, expected }) => {
      const deciding = DECISION_FIELDS.map((name) => sent.body[name]).find(
        (word): word is string => typeof word === 'string' && word !== '',
      );
      const status =
        EVENT_STATUSES[sent.event] ??
        (deciding === undefined ? undefined : expectedForWord(deciding)) ??
        'unknown';
      const drafts = idwise.normalize({
        route: ROUTE,
        body,
        json: parseJson(body),
        receivedAt: '2026-01-01T00:00:00.000Z',
      });
      expect(drafts.map((draft) => draft.status)).toEqual([status]);
      expect(expected.events.map((draft) => draft.status)).toEqual([status]);
    },
  );

  it('every word of the tables appears in some fixture', () => {
    const words = FIXTURE_WORDS.map(([, word]) => word.toLowerCase());
    for (const word of Object.keys(DECISION_STATUSES)) expect(words).toContain(word.toLowerCase());
    for (const event of Object.keys(EVENT_STATUSES)) expect(FIXTURE_EVENTS).toContain(event);
  });

  describe("the vendor's statusMapping (the README's table)", () => {
    it.each(idwise.statusMapping)('$field = $value → $status agrees', (row) => {
      if (row.field === 'event') {
        expect(EVENT_STATUSES[row.value]).toBe(row.status);
      } else {
        expect(row.field.split(' / ')).toEqual(DECISION_FIELDS);
        expect(DECISION_STATUSES[row.value]).toBe(row.status);
      }
    });

    it('lists every word of the tables, and no other', () => {
      const decisionRows = idwise.statusMapping.filter((row) => row.field !== 'event');
      const eventRows = idwise.statusMapping.filter((row) => row.field === 'event');
      expect(decisionRows.map((row) => row.value).sort()).toEqual(
        Object.keys(DECISION_STATUSES).sort(),
      );
      expect(eventRows.map((row) => row.value).sort()).toEqual(Object.keys(EVENT_STATUSES).sort());
    });
  });
});
