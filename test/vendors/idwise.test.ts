import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../lambdas/core/errors.js';
import type { DetailType, NormalizedDraft, Scope, Status } from '../../lambdas/core/event.js';
import { SCOPES } from '../../lambdas/core/event.js';
import { bodyHash } from '../../lambdas/core/hash.js';
import { answerPolicyOf, DEFAULT_ANSWERS } from '../../lambdas/core/http-answers.js';
import type {
  BaseCredentials,
  Delivery,
  RejectionReason,
  WebhookRequest,
} from '../../lambdas/core/vendor.js';
import {
  IDWISE_BODY_FIELDS,
  IDWISE_EVENTS,
  idwise,
  isAmlAction,
  statusFromDecisionWord,
} from '../../lambdas/vendors/idwise.js';
import { vendorFixtures, type FixtureExpectation } from '../support/vendor-fixtures.js';
import { expectInVocabulary, UNREAD_VENDOR_EVENT } from '../support/drafts.js';
import { knownAnswers } from '../suites/known-answers.js';

const FIXTURES = vendorFixtures(idwise);
const ROUTE = '/webhooks/idwise';

interface Expected extends FixtureExpectation {
  readonly headers: Record<string, string>;
}

interface Envelope {
  event?: unknown;
  body: Record<string, unknown>;
}

const readFixture = (name: string) => FIXTURES.read<Expected>(name);

const FIXTURE_NAMES = FIXTURES.names;

const FIXTURE_SECRET = FIXTURES.secret() as {
  headers: Record<string, string[]>;
};

/** A fresh envelope to mutate: always parsed anew, so no test sees another's changes. */
function envelope(name = 'manually-reviewed-approved'): Envelope {
  return structuredClone(JSON.parse(readFixture(name).body) as Envelope);
}

const credentials = (secret: Record<string, unknown>): BaseCredentials =>
  FIXTURES.credentials(secret);

const FIXTURE_CREDENTIALS = credentials(FIXTURE_SECRET);
const BASIC = FIXTURE_SECRET.headers['authorization']?.[0] ?? '';
const BEARER = FIXTURE_SECRET.headers['authorization']?.[1] ?? '';
const API_KEY = FIXTURE_SECRET.headers['X-Api-Key']?.[0] ?? '';
const BASIC_TOKEN = BASIC.slice('Basic '.length);

function request(body: string, headers: Record<string, string | undefined>): WebhookRequest {
  return {
    route: ROUTE,
    body,
    headers,
    sourceIp: '203.0.113.10',
    now: new Date('2025-03-01T12:00:00Z'),
  };
}

function delivery(json: unknown, body = JSON.stringify(json) ?? ''): Delivery {
  return { route: ROUTE, body, json, receivedAt: '2025-03-01T12:00:00.000Z' };
}

/** Normalizes an envelope, expecting exactly one draft. */
function normalizeOne(json: unknown): NormalizedDraft {
  const drafts = idwise.normalize(delivery(json));
  expect(drafts).toHaveLength(1);
  const [draft] = drafts;
  if (draft === undefined) throw new Error('no draft');
  return draft;
}

const VALID_BODY = readFixture('manually-reviewed-approved').body;

describe('idwise vendor', () => {
  it('owns one route and has no default allow-list', () => {
    expect(idwise.id).toBe('idwise');
    expect(idwise.routes).toEqual([ROUTE]);
    expect(idwise.defaultAllowedIps).toBeUndefined();
  });

  describe('answers', () => {
    it('accepts with exactly 200 and keeps the default refusals', () => {
      expect(idwise.answers).toEqual({ accepted: 200, senderRetries: expect.any(String) });
      expect(answerPolicyOf(idwise.answers)).toEqual(DEFAULT_ANSWERS);
      expect(answerPolicyOf(idwise.answers).accepted).toBe(200);
    });

    it("states IDWise's documented retries in one sentence", () => {
      const { senderRetries } = idwise.answers;
      expect(senderRetries).toMatch(/\b200\b/);
      expect(senderRetries).toMatch(/5, 10 and 15 minutes/);
      expect(senderRetries).toMatch(/e-mail/);
      expect(senderRetries.trim().split(/(?<=\.)\s+(?=[A-Z])/)).toHaveLength(1);
    });
  });

  describe('trust', () => {
    it('has no signature: every row is vouched for by the header credential', () => {
      expect(idwise.proof).toEqual({ kind: 'header-credential' });
      expect(idwise.trust.length).toBeGreaterThan(0);
      for (const row of idwise.trust) {
        expect(row.proof).toBe('credential');
        expect(row.use.trim()).not.toBe('');
      }
    });

    it('has a row for the credential header', () => {
      const header = idwise.trust.filter((row) => /authorization/i.test(row.field));
      expect(header).toHaveLength(1);
      expect(header[0]?.field).toMatch(/x-api-key/);
    });

    it.each([
      ['`event`', /DetailType/],
      ['`body.eventId`', /dedup/],
      ['`body.journeyId`', /subject/],
      ['`body.referenceNo`', /externalRef/],
      ['`body.finalDecision`', /status/],
      ['`body.manualDecision`', /status/],
      ['`body.systemDecision`', /status/],
      ['`body.action`', /KYC Monitoring Alert/],
      ['`body.trigger`', /vendorStatus/],
    ])('says what %s decides', (name, use) => {
      const rows = idwise.trust.filter((row) => row.field.includes(name));
      expect(rows).toHaveLength(1);
      expect(rows[0]?.use).toMatch(use);
    });

    it('names every body field the vendor declares', () => {
      const fields = idwise.trust.map((row) => row.field).join(' ');
      for (const key of Object.values(IDWISE_BODY_FIELDS)) {
        expect(fields).toContain(`\`body.${key}\``);
      }
    });
  });

  describe('fixtures', () => {
    it('has a fixture for every documented event name, and the extra cases', () => {
      const events = FIXTURE_NAMES.map((name) => envelope(name).event);
      for (const name of Object.values(IDWISE_EVENTS)) expect(events).toContain(name);
      expect(FIXTURE_NAMES).toEqual(
        expect.arrayContaining([
          'odd-case-decisions',
          'extra-fields',
          'unknown-event',
          'step-submitted',
          'updated-journey-step-update',
          'updated-journey-aml-amend',
        ]),
      );
    });
    // Verification, normalization, refusal without the header and sign() on every fixture are
    // the vendor contract's (test/suites/vendor-contract.ts); here only what is IDWise's own.
  });

  describe('verify', () => {
    const apiKeyOnly = credentials({ headers: { 'x-api-key': [API_KEY] } });
    const basicOnly = credentials({ headers: { authorization: [BASIC] } });

    // Shorthands keep each row on one line.
    const ALL = FIXTURE_CREDENTIALS;
    const MISSING = 'missing_authorization';
    const INVALID = 'invalid_authorization';
    const MALFORMED = 'malformed_body';
    const WRONG_BASIC = 'Basic d3Jvbmc6d3Jvbmc=';
    const BEARER_BASIC = `Bearer ${BASIC_TOKEN}`;
    const LOWER_TOKEN = `Basic ${BASIC_TOKEN.toLowerCase()}`;
    const GOOD = { authorization: BASIC };

    it.each<[string, Record<string, string>, BaseCredentials, RejectionReason]>([
      ['no header at all', {}, ALL, MISSING],
      ['an unrelated header only', { 'x-request-id': 'abc' }, basicOnly, MISSING],
      ['a wrong Basic token', { authorization: WRONG_BASIC }, ALL, INVALID],
      ['a wrong api key', { 'x-api-key': 'test-idwise-key-wrong' }, ALL, INVALID],
      ['an empty api key', { 'x-api-key': '' }, apiKeyOnly, INVALID],
      ['the Basic value sent as the api key', { 'x-api-key': BASIC }, ALL, INVALID],
      ['the api key sent as authorization', { authorization: API_KEY }, ALL, INVALID],
      ['the api key sent as a Bearer token', { authorization: `Bearer ${API_KEY}` }, ALL, INVALID],
      ['Bearer where Basic is configured', { authorization: BEARER_BASIC }, basicOnly, INVALID],
      ['the bare token without its scheme', { authorization: BASIC_TOKEN }, basicOnly, INVALID],
      ['the scheme word alone', { authorization: 'Basic' }, basicOnly, INVALID],
      ['a token of the wrong case', { authorization: LOWER_TOKEN }, basicOnly, INVALID],
      ['a token with a suffix', { authorization: `${BASIC}x` }, basicOnly, INVALID],
    ])('refuses %s', (_case, headers, creds, reason) => {
      expect(idwise.verify(request(VALID_BODY, headers), creds)).toEqual({ ok: false, reason });
    });

    it.each<[string, Record<string, string>, string, RejectionReason]>([
      ['a wrong header with a non-JSON body', { authorization: WRONG_BASIC }, 'not json', INVALID],
      ['no header with a non-JSON body', {}, 'not json', MISSING],
      ['a valid header with a non-JSON body', GOOD, 'not json', MALFORMED],
      ['a valid header with an empty body', GOOD, '', MALFORMED],
      ['a valid header with a JSON array', GOOD, `[${VALID_BODY}]`, MALFORMED],
      ['a valid header with a JSON string', GOOD, '"Finished Journey"', MALFORMED],
      ['a valid header with JSON null', GOOD, 'null', MALFORMED],
      ['a valid header with a JSON number', GOOD, '42', MALFORMED],
      ['a valid header with truncated JSON', GOOD, VALID_BODY.slice(0, -1), MALFORMED],
    ])('checks the header before the body: refuses %s', (_case, headers, body, reason) => {
      expect(idwise.verify(request(body, headers), basicOnly)).toEqual({ ok: false, reason });
    });

    it.each([
      ['Basic', BASIC],
      ['lower-case scheme', `basic ${BASIC_TOKEN}`],
      ['upper-case scheme', `BASIC ${BASIC_TOKEN}`],
      ['mixed-case scheme', `bAsIc ${BASIC_TOKEN}`],
      ['extra spaces', `  Basic   ${BASIC_TOKEN}  `],
    ])('accepts the scheme word in any case: %s', (_case, value) => {
      expect(idwise.verify(request(VALID_BODY, { authorization: value }), basicOnly)).toMatchObject(
        { ok: true },
      );
    });

    it('accepts a configured scheme word written in any case', () => {
      const creds = credentials({ headers: { authorization: [`BASIC ${BASIC_TOKEN}`] } });
      expect(idwise.verify(request(VALID_BODY, { authorization: BASIC }), creds)).toMatchObject({
        ok: true,
      });
    });

    it.each(['X-API-KEY', 'X-Api-Key', 'x-api-key'])(
      'reads the configured header name %s case-insensitively',
      (name) => {
        const creds = credentials({ headers: { [name]: [API_KEY] } });
        expect(idwise.verify(request(VALID_BODY, { 'x-api-key': API_KEY }), creds)).toMatchObject({
          ok: true,
        });
      },
    );

    it('compares custom header values case-sensitively', () => {
      expect(
        idwise.verify(request(VALID_BODY, { 'x-api-key': API_KEY.toUpperCase() }), apiKeyOnly),
      ).toEqual({ ok: false, reason: 'invalid_authorization' });
    });

    it('accepts either value of a header during a rotation', () => {
      const rotating = credentials({ headers: { 'x-api-key': ['old-key', 'new-key'] } });
      for (const key of ['old-key', 'new-key']) {
        expect(idwise.verify(request(VALID_BODY, { 'x-api-key': key }), rotating)).toMatchObject({
          ok: true,
        });
      }
      expect(idwise.verify(request(VALID_BODY, { 'x-api-key': 'older-key' }), rotating)).toEqual({
        ok: false,
        reason: 'invalid_authorization',
      });
    });

    it('accepts either configured header when two are configured', () => {
      const both = credentials({ headers: { authorization: [BEARER], 'x-api-key': [API_KEY] } });
      for (const headers of [{ authorization: BEARER }, { 'x-api-key': API_KEY }]) {
        expect(idwise.verify(request(VALID_BODY, headers), both)).toMatchObject({ ok: true });
      }
    });

    it('accepts when one of two configured headers is right and the other wrong', () => {
      const both = credentials({ headers: { authorization: [BEARER], 'x-api-key': [API_KEY] } });
      expect(
        idwise.verify(
          request(VALID_BODY, { authorization: 'Bearer stale', 'x-api-key': API_KEY }),
          both,
        ),
      ).toMatchObject({ ok: true });
    });

    it('uses eventId as the dedup id, stable across a retry of the same body', () => {
      const body = envelope();
      const text = JSON.stringify(body);
      const first = idwise.verify(request(text, { authorization: BASIC }), basicOnly);
      const retry = idwise.verify(request(text, { authorization: BASIC }), basicOnly);
      expect(first).toEqual({ ok: true, dedupId: body.body['eventId'] });
      expect(retry).toEqual(first);
    });

    it('keeps eventId as the dedup id when a retry is re-serialized differently', () => {
      const body = envelope();
      const pretty = JSON.stringify(body, null, 2);
      expect(idwise.verify(request(pretty, { authorization: BASIC }), basicOnly)).toEqual({
        ok: true,
        dedupId: body.body['eventId'],
      });
    });

    it.each<[string, unknown]>([
      ['missing', undefined],
      ['empty', ''],
      ['null', null],
      ['a number', 42],
      ['an object', { id: 'x' }],
    ])('falls back to the body hash when eventId is %s', (_case, eventId) => {
      const body = envelope();
      if (eventId === undefined) delete body.body['eventId'];
      else body.body['eventId'] = eventId;
      const text = JSON.stringify(body);
      expect(idwise.verify(request(text, { authorization: BASIC }), basicOnly)).toEqual({
        ok: true,
        dedupId: bodyHash(text),
      });
    });

    it('falls back to the body hash when there is no body object', () => {
      const text = '{"event":"Finished Journey"}';
      expect(idwise.verify(request(text, { authorization: BASIC }), basicOnly)).toEqual({
        ok: true,
        dedupId: bodyHash(text),
      });
    });

    it('does not take an eventId from outside the body', () => {
      const text = '{"event":"Finished Journey","eventId":"top-level","body":{}}';
      expect(idwise.verify(request(text, { authorization: BASIC }), basicOnly)).toEqual({
        ok: true,
        dedupId: bodyHash(text),
      });
    });
  });

  describe('parseCredentials', () => {
    it('lower-cases header names and keeps base fields', () => {
      const secret = {
        allowUnauthenticated: false,
        allowedIps: ['203.0.113.0/24'],
        headers: { 'X-Api-Key': ['k1', 'k2'], Authorization: ['Basic abc'] },
      };
      expect(credentials(secret)).toEqual({
        allowUnauthenticated: false,
        allowedIps: ['203.0.113.0/24'],
        headers: { 'x-api-key': ['k1', 'k2'], authorization: ['Basic abc'] },
      });
    });

    it.each<[string, unknown]>([
      ['a list', ['authorization']],
      ['a string', 'Basic abc'],
      ['null', null],
    ])('names the "headers" field when it is %s', (_case, headers) => {
      const secret = { headers };
      expect(() => credentials(secret)).toThrow(ConfigurationError);
      expect(() => credentials(secret)).toThrow(/"headers"/);
    });

    it.each<[string, unknown]>([
      ['a string', 'Basic abc'],
      ['a list holding an empty string', ['']],
      ['a list holding a number', [42]],
    ])('names the header when its values are %s', (_case, values) => {
      expect(() => credentials({ headers: { 'x-api-key': values } })).toThrow(/"x-api-key"/);
    });

    it('never puts a secret value in the error message', () => {
      expect(() => credentials({ headers: { 'x-api-key': ['ok', 'super-secret', 7] } })).toThrow(
        expect.objectContaining({ message: expect.not.stringContaining('super-secret') }),
      );
    });
  });

  describe('sign', () => {
    it('uses the first configured header and its first value', () => {
      const creds = credentials({
        headers: { 'X-Api-Key': ['new', 'old'], authorization: [BASIC] },
      });
      expect(idwise.sign('{}', ROUTE, creds)).toEqual({
        body: '{}',
        headers: { 'x-api-key': 'new' },
      });
    });

    it('adds no header when none is configured', () => {
      expect(idwise.sign('{}', ROUTE, credentials({ allowUnauthenticated: true }))).toEqual({
        body: '{}',
        headers: {},
      });
    });
  });

  describe('normalize', () => {
    it.each(knownAnswers<[string, Status]>(FIXTURES, 'decision-words.json'))(
      'reads the decision word "%s" as %s',
      (word, status) => {
        expect(statusFromDecisionWord(word)).toBe(status);
      },
    );

    // [system, manual, final] as sent (undefined = field absent) → status, vendorStatus.
    type Decision = string | number | null | undefined;
    it.each<[Decision, Decision, Decision, Status, string | null]>([
      ['Refer', 'Rejected', 'Approved', 'approved', 'final=Approved system=Refer manual=Rejected'],
      ['Refer', 'Rejected', undefined, 'rejected', 'system=Refer manual=Rejected'],
      ['Complete', 'Rejected', null, 'rejected', 'system=Complete manual=Rejected'],
      ['Refer', null, null, 'in_review', 'system=Refer'],
      ['Incomplete', 'null', undefined, 'in_progress', 'system=Incomplete'],
      ['Incomplete', 'NULL', 'Null', 'in_progress', 'system=Incomplete'],
      ['Complete', undefined, '', 'approved', 'system=Complete'],
      ['Complete', undefined, '  ', 'approved', 'system=Complete'],
      ['Complete', undefined, 7, 'approved', 'system=Complete'],
      ['Complete', undefined, 'Escalated', 'unknown', 'final=Escalated system=Complete'],
      [undefined, 'Approved', undefined, 'approved', 'manual=Approved'],
      [undefined, null, undefined, 'unknown', null],
      [undefined, undefined, undefined, 'unknown', null],
      ['REFER', 'aPProved', undefined, 'approved', 'system=REFER manual=aPProved'],
      ['complete', null, 'rEJECTED', 'rejected', 'final=rEJECTED system=complete'],
    ])('system=%s manual=%s final=%s → %s (%s)', (system, manual, final, status, vendorStatus) => {
      const body = envelope();
      const decisions = { systemDecision: system, manualDecision: manual, finalDecision: final };
      for (const [key, word] of Object.entries(decisions)) {
        if (word === undefined) delete body.body[key];
        else body.body[key] = word;
      }
      expect(normalizeOne(body)).toMatchObject({ status, vendorStatus });
    });

    it.each(knownAnswers<[string, Status, DetailType]>(FIXTURES, 'event-statuses.json'))(
      'reads the event %s as %s / %s',
      (event, status, detailType) => {
        const body = envelope();
        body.event = event;
        body.body['finalDecision'] = 'Approved';
        expect(normalizeOne(body)).toMatchObject({ vendorEventType: event, status, detailType });
      },
    );

    it.each(Object.values(IDWISE_EVENTS))('knows the event %s', (event) => {
      const body = envelope();
      body.event = event;
      expect(normalizeOne(body).detailType).not.toBe('KYC Vendor Event');
    });

    it('ignores extra fields in the envelope and the body', () => {
      const plain = envelope();
      const extended = structuredClone(plain) as Envelope & Record<string, unknown>;
      extended['version'] = 2;
      Object.assign(extended.body, {
        status: 'Rejected',
        decision: 'Rejected',
        riskScore: 99,
        nested: { finalDecision: 'Rejected' },
      });
      expect(normalizeOne(extended)).toEqual(normalizeOne(plain));
    });

    it('omits externalRef when there is no referenceNo', () => {
      const body = envelope();
      delete body.body['referenceNo'];
      expect(normalizeOne(body).subject).toEqual({ kind: 'journey', id: body.body['journeyId'] });
    });

    it('omits the subject when there is no journeyId', () => {
      const body = envelope();
      delete body.body['journeyId'];
      expect(normalizeOne(body)).not.toHaveProperty('subject');
    });

    it('never sets occurredAt: IDWise sends no event time', () => {
      for (const name of FIXTURE_NAMES) {
        expect(normalizeOne(JSON.parse(readFixture(name).body))).not.toHaveProperty('occurredAt');
      }
    });

    it.each<[string, unknown]>([
      ['a boolean', true],
      ['a body that is a string', { event: 'Finished Journey', body: 'x' }],
      ['a body that is an array', { event: 'Finished Journey', body: [1] }],
      ['an event name that is not a string', { event: 7, body: {} }],
      ['an empty event name', { event: '', body: {} }],
      ['decisions that are objects', { event: 'X', body: { finalDecision: { a: 1 } } }],
      ['a prototype key as event', { event: '__proto__', body: { journeyId: 'j' } }],
    ])('never throws on %s, and returns one unknown draft', (_case, json) => {
      const draft = normalizeOne(json);
      expectInVocabulary(draft);
      expect(draft).toMatchObject({ status: 'unknown', vendorStatus: null });
    });

    it('reports an unknown shape as a vendor event without a subject or verdict', () => {
      expect(normalizeOne({})).toEqual(UNREAD_VENDOR_EVENT);
    });
  });

  describe('Updated Journey actions', () => {
    /** An `Updated Journey` of the fixture's journey with `action` set (or removed). */
    function updatedJourney(action: unknown): Envelope {
      const body = envelope('updated-journey-step-update');
      if (action === undefined) delete body.body['action'];
      else body.body['action'] = action;
      return body;
    }

    // Written from the rule, not from the code: an action starting with AML is an alert.
    it.each<[string, unknown, DetailType]>([
      ['AML Amend', 'AML Amend', 'KYC Monitoring Alert'],
      ['AML OGM Update', 'AML OGM Update', 'KYC Monitoring Alert'],
      ['a lower-case AML action', 'aml amend', 'KYC Monitoring Alert'],
      ['a mixed-case AML action', 'Aml Ogm Update', 'KYC Monitoring Alert'],
      ['an AML action with spaces around it', '  AML Amend ', 'KYC Monitoring Alert'],
      ['an AML action IDWise adds later', 'AML Match Removed', 'KYC Monitoring Alert'],
      ['Step Update', 'Step Update', 'KYC Verification Updated'],
      ['Manual Review', 'Manual Review', 'KYC Verification Updated'],
      ['an action naming AML later on', 'Manual AML Review', 'KYC Verification Updated'],
      ['an empty action', '', 'KYC Verification Updated'],
      ['an action that is not a string', 7, 'KYC Verification Updated'],
      ['an action that is an object', { name: 'AML Amend' }, 'KYC Verification Updated'],
      ['no action at all', undefined, 'KYC Verification Updated'],
    ])('%s → %s', (_case, action, detailType) => {
      const draft = normalizeOne(updatedJourney(action));
      expect(draft.detailType).toBe(detailType);
      // The alert is about the person; so is a journey update.
      expect(draft.scope).toBe('verification');
      expect(draft.vendorEventType).toBe('Updated Journey');
    });

    it.each<[unknown, string]>([
      ['AML Amend', 'action=AML Amend final=Refer system=Refer'],
      ['AML OGM Update', 'action=AML OGM Update final=Refer system=Refer'],
      ['Step Update', 'action=Step Update final=Refer system=Refer'],
      ['', 'final=Refer system=Refer'],
      [7, 'final=Refer system=Refer'],
      [undefined, 'final=Refer system=Refer'],
    ])('keeps the action %j beside the decisions: %s', (action, vendorStatus) => {
      expect(normalizeOne(updatedJourney(action)).vendorStatus).toBe(vendorStatus);
    });

    it('does not change the status: the decisions still decide', () => {
      for (const action of ['AML Amend', 'Step Update']) {
        const body = updatedJourney(action);
        body.body['finalDecision'] = 'Rejected';
        expect(normalizeOne(body).status).toBe('rejected');
      }
    });

    it('keeps the action alone when there are no decisions', () => {
      const body = updatedJourney('AML OGM Update');
      for (const key of ['systemDecision', 'manualDecision', 'finalDecision']) {
        delete body.body[key];
      }
      expect(normalizeOne(body)).toMatchObject({
        detailType: 'KYC Monitoring Alert',
        status: 'unknown',
        vendorStatus: 'action=AML OGM Update',
      });
    });

    it('reads an action only on Updated Journey', () => {
      const body = envelope('finished-journey-complete');
      body.body['action'] = 'AML Amend';
      body.body['trigger'] = 'KYC Renewal';
      expect(normalizeOne(body)).toMatchObject({
        detailType: 'KYC Verification Updated',
        vendorStatus: 'final=Complete system=Complete',
      });
    });

    it.each([
      ['AML Amend', true],
      ['aml', true],
      ['  AML OGM Update', true],
      ['Step Update', false],
      ['A M L', false],
      ['', false],
    ])('isAmlAction(%j) is %s', (action, expected) => {
      expect(isAmlAction(action)).toBe(expected);
    });
  });

  describe('Verification Update Required trigger', () => {
    it.each<[unknown, string]>([
      ['KYC Renewal', 'trigger=KYC Renewal final=Approved system=Complete manual=Approved'],
      ['Manual Review', 'trigger=Manual Review final=Approved system=Complete manual=Approved'],
      ['', 'final=Approved system=Complete manual=Approved'],
      [null, 'final=Approved system=Complete manual=Approved'],
      [undefined, 'final=Approved system=Complete manual=Approved'],
    ])('keeps the trigger %j beside the decisions: %s', (trigger, vendorStatus) => {
      const body = envelope('verification-update-required');
      if (trigger === undefined) delete body.body['trigger'];
      else body.body['trigger'] = trigger;
      expect(normalizeOne(body)).toMatchObject({
        detailType: 'KYC Verification Updated',
        status: 'needs_info',
        scope: 'verification',
        vendorStatus,
      });
    });

    it('reads a trigger only on Verification Update Required', () => {
      const body = envelope('updated-journey-step-update');
      body.body['trigger'] = 'KYC Renewal';
      expect(normalizeOne(body).vendorStatus).toBe('action=Step Update final=Refer system=Refer');
    });
  });

  describe('scope', () => {
    // Written from the rule: every event's status is the journey's, that is the person's; even
    // Finished Step carries the journey's decisions, not the step's.
    it.each([
      'Finished Journey',
      'Updated Journey',
      'Manually Reviewed',
      'Finished User Steps',
      'Finished Step',
      'AML Monitor Update',
      'Verification Update Required',
      'KYC Renewal Deadline Exceeded',
      'Finished Spot Check',
      'Finished Ongoing Check',
      'finished step',
    ])('%s → verification, with or without decisions', (event) => {
      const withDecisions = envelope();
      withDecisions.event = event;
      expect(normalizeOne(withDecisions).scope).toBe('verification');
      const bare: Envelope = { event, body: { eventId: 'e', journeyId: 'j' } };
      expect(normalizeOne(bare).scope).toBe('verification');
    });

    it('covers every known event', () => {
      for (const event of Object.values(IDWISE_EVENTS)) {
        const body = envelope();
        body.event = event;
        expect(SCOPES).toContain(normalizeOne(body).scope);
      }
    });

    it.each<[string, Record<string, unknown>, Scope]>([
      ['a decision', { finalDecision: 'Rejected' }, 'verification'],
      ['only a system decision', { systemDecision: 'Refer' }, 'verification'],
      ['a decision word it does not know', { finalDecision: 'Escalated' }, 'verification'],
      ['no decision', {}, 'other'],
      ['only null decisions', { manualDecision: null, finalDecision: 'null' }, 'other'],
      ['decisions that are not words', { finalDecision: 3, systemDecision: '' }, 'other'],
      ['step fields only', { stepId: '1', stepType: 'Document' }, 'other'],
    ])('an unknown event with %s → %s', (_case, decisions, scope) => {
      const draft = normalizeOne({
        event: 'Journey Archived',
        body: { eventId: 'e', journeyId: 'j', ...decisions },
      });
      expect(draft).toMatchObject({ detailType: 'KYC Vendor Event', scope });
    });
  });
});
