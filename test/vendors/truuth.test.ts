import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../lambdas/core/errors.js';
import type { NormalizedDraft, Status } from '../../lambdas/core/event.js';
import { bodyHash } from '../../lambdas/core/hash.js';
import { answerPolicyOf, DEFAULT_ANSWERS } from '../../lambdas/core/http-answers.js';
import type {
  BaseCredentials,
  Delivery,
  RejectionReason,
  StatusMappingRow,
  WebhookRequest,
} from '../../lambdas/core/vendor.js';
import {
  statusFromOutcomes,
  statusFromWord,
  TRUUTH_EVENT_TYPES,
  TRUUTH_OUTCOME_FIELD,
  TRUUTH_ROUTE_FIELD,
  TRUUTH_ROUTES,
  TRUUTH_STATUS_FIELD,
  truuth,
} from '../../lambdas/vendors/truuth.js';
import type { TruuthRouteKey } from '../../lambdas/vendors/truuth.js';
import { vendorFixtures, type FixtureExpectation } from '../support/vendor-fixtures.js';
import { knownAnswers } from '../suites/known-answers.js';
import { expectInVocabulary, UNREAD_VENDOR_EVENT } from '../support/drafts.js';

const FIXTURES = vendorFixtures(truuth);
const CALLBACK = TRUUTH_ROUTES.callback;
const BIOPASS = TRUUTH_ROUTES['biopass-user-provisioning'];

interface Expected extends FixtureExpectation {
  readonly headers: Record<string, string>;
}

const readFixture = (name: string) => FIXTURES.read<Expected>(name);

const FIXTURE_NAMES = FIXTURES.names;

const FIXTURE_SECRET = FIXTURES.secret() as {
  authorization: string[];
  routes: Record<TruuthRouteKey, { authorization: string[] }>;
};

const credentials = (secret: Record<string, unknown>): BaseCredentials =>
  FIXTURES.credentials(secret);

const FIXTURE_CREDENTIALS = credentials(FIXTURE_SECRET);
const BASIC = FIXTURE_SECRET.authorization[0] ?? '';
const BEARER = FIXTURE_SECRET.authorization[1] ?? '';
const BIOPASS_BEARER = FIXTURE_SECRET.routes['biopass-user-provisioning'].authorization[0] ?? '';
const BASIC_TOKEN = BASIC.slice('Basic '.length);
const BEARER_TOKEN = BEARER.slice('Bearer '.length);

/** Truuth's own known-answer vector (its webhook page). */
const KNOWN_USERNAME = 'BVzOhEugNWnsn3Rl25q4';
const KNOWN_PASSWORD = '352f9d49e7fd1f78398619fafadb17fbc1c1274650dffe75277fdeecc94e6623';
const KNOWN_TOKEN =
  'QlZ6T2hFdWdOV25zbjNSbDI1cTQ6MzUyZjlkNDllN2ZkMWY3ODM5ODYxOWZhZmFkYjE3ZmJjMWMxMjc0NjUwZGZmZTc1Mjc3ZmRlZWNjOTRlNjYyMw==';

function request(
  body: string,
  headers: Record<string, string | undefined>,
  route: string = CALLBACK,
): WebhookRequest {
  return { route, body, headers, sourceIp: '203.0.113.10', now: new Date('2026-03-01T12:00:00Z') };
}

function delivery(json: unknown, route: string = CALLBACK): Delivery {
  return {
    route,
    body: JSON.stringify(json) ?? '',
    json,
    receivedAt: '2026-03-01T12:00:00.000Z',
  };
}

/** Normalizes a body, expecting exactly one draft. */
function normalizeOne(json: unknown, route: string = CALLBACK): NormalizedDraft {
  const drafts = truuth.normalize(delivery(json, route));
  expect(drafts).toHaveLength(1);
  const [draft] = drafts;
  if (draft === undefined) throw new Error('no draft');
  return draft;
}

/** A fresh parsed fixture body to mutate. */
function fixtureJson(name = 'callback-pass'): Record<string, unknown> {
  return JSON.parse(readFixture(name).body) as Record<string, unknown>;
}

const VALID_BODY = readFixture('callback-pass').body;
/** What the dedup id hashes: the body less its report link's query (signature and expiry). */
const LINK_QUERY = '?X-Amz-Expires=900&X-Amz-Signature=0000fixture0000';
const withoutLinkQuery = (body: string): string => body.replace(LINK_QUERY, '');

describe('truuth vendor', () => {
  it('owns exactly its two routes and keeps the default answers', () => {
    expect(truuth.id).toBe('truuth');
    expect(truuth.routes).toEqual([
      '/webhooks/truuth/callback',
      '/webhooks/truuth/biopass-user-provisioning',
    ]);
    expect(answerPolicyOf(truuth.answers)).toEqual(DEFAULT_ANSWERS);
    expect(truuth.defaultAllowedIps).toBeUndefined();
  });

  describe("Truuth's Basic known-answer vector", () => {
    it('is the base64 of username:password', () => {
      expect(Buffer.from(`${KNOWN_USERNAME}:${KNOWN_PASSWORD}`).toString('base64')).toBe(
        KNOWN_TOKEN,
      );
    });

    it.each(truuth.routes)('verifies on %s against credentials listing it', (route) => {
      const creds = credentials({ authorization: [`Basic ${KNOWN_TOKEN}`] });
      const result = truuth.verify(
        request(VALID_BODY, { authorization: `Basic ${KNOWN_TOKEN}` }, route),
        creds,
      );
      expect(result).toMatchObject({ ok: true });
    });
  });

  describe('fixtures', () => {
    const all = FIXTURE_NAMES.map(readFixture);

    it('cover both routes, both schemes and every outcome the brief names', () => {
      expect(new Set(all.map((f) => f.expected.route))).toEqual(new Set(truuth.routes));
      const schemes = new Set(all.map((f) => f.expected.headers['authorization']?.split(' ')[0]));
      expect(schemes).toEqual(new Set(['Basic', 'Bearer']));
      const statuses = new Set(all.flatMap((f) => f.expected.events.map((e) => e.status)));
      for (const status of ['approved', 'in_review', 'rejected', 'in_progress', 'unknown'])
        expect(statuses).toContain(status);
      expect(FIXTURE_NAMES).toEqual(
        expect.arrayContaining([
          'callback-pass',
          'callback-warning',
          'callback-fail',
          'callback-in-progress',
          'biopass-user-provisioning',
          'callback-extra-fields',
          'unrecognised-shape',
        ]),
      );
      expect(readFixture('unrecognised-shape').body).toBe('{"foo":"bar"}');
    });

    it.each(FIXTURE_NAMES)('%s verifies with its header and normalizes as expected', (name) => {
      const { body, expected } = readFixture(name);
      expect(truuth.routes).toContain(expected.route);
      expect(
        truuth.verify(request(body, expected.headers, expected.route), FIXTURE_CREDENTIALS),
      ).toEqual({ ok: true, dedupId: expected.dedupId });
      expect(truuth.normalize(delivery(JSON.parse(body), expected.route))).toEqual(expected.events);
    });

    it.each(FIXTURE_NAMES)('%s is refused without its header', (name) => {
      const { body, expected } = readFixture(name);
      expect(truuth.verify(request(body, {}, expected.route), FIXTURE_CREDENTIALS)).toEqual({
        ok: false,
        reason: 'missing_authorization',
      });
    });

    it.each(FIXTURE_NAMES)('%s: sign produces a header that verify accepts', (name) => {
      const { body, expected } = readFixture(name);
      const signed = truuth.sign(body, expected.route, FIXTURE_CREDENTIALS);
      expect(signed).toEqual({
        body,
        headers: { authorization: expected.route === BIOPASS ? BIOPASS_BEARER : BASIC },
      });
      expect(
        truuth.verify(request(signed.body, signed.headers, expected.route), FIXTURE_CREDENTIALS),
      ).toEqual({ ok: true, dedupId: expected.dedupId });
    });

    it('puts no personal value from any fixture into any draft', () => {
      const personal = all.flatMap(({ body }) => {
        const json = JSON.parse(body) as Record<string, unknown>;
        return ['identityOwner', 'reportUrls', 'document'].flatMap((key) => leaves(json[key]));
      });
      expect(personal.length).toBeGreaterThan(10);
      for (const { body, expected } of all) {
        const drafts = JSON.stringify(truuth.normalize(delivery(JSON.parse(body), expected.route)));
        for (const value of personal) expect(drafts).not.toContain(value);
      }
    });
  });

  describe('verify', () => {
    const basicOnly = credentials({ authorization: [BASIC] });
    const bearerOnly = credentials({ authorization: [BEARER] });

    const MISSING = 'missing_authorization';
    const INVALID = 'invalid_authorization';
    const MALFORMED = 'malformed_body';
    const GOOD = { authorization: BASIC };

    it.each<[string, string]>([
      ['Basic as configured', BASIC],
      ['a lower-case scheme', `basic ${BASIC_TOKEN}`],
      ['an upper-case scheme', `BASIC ${BASIC_TOKEN}`],
      ['extra whitespace', `  Basic    ${BASIC_TOKEN}  `],
      ['a tab between scheme and token', `Basic\t${BASIC_TOKEN}`],
    ])('accepts %s', (_case, value) => {
      expect(truuth.verify(request(VALID_BODY, { authorization: value }), basicOnly)).toMatchObject(
        { ok: true },
      );
    });

    it.each<[string, string]>([
      ['Bearer as configured', BEARER],
      ['an upper-case scheme', `BEARER ${BEARER_TOKEN}`],
      ['a lower-case scheme', `bearer ${BEARER_TOKEN}`],
    ])('accepts %s for a Bearer token', (_case, value) => {
      expect(
        truuth.verify(request(VALID_BODY, { authorization: value }), bearerOnly),
      ).toMatchObject({ ok: true });
    });

    it('accepts a configured value whose scheme word is written in another case', () => {
      const creds = credentials({ authorization: [`bEaReR ${BEARER_TOKEN}`] });
      expect(truuth.verify(request(VALID_BODY, { authorization: BEARER }), creds)).toMatchObject({
        ok: true,
      });
    });

    it.each<[string, Record<string, string>, BaseCredentials, RejectionReason]>([
      ['no header at all', {}, basicOnly, MISSING],
      ['an unrelated header only', { 'x-request-id': 'abc' }, basicOnly, MISSING],
      ['an empty header', { authorization: '' }, basicOnly, INVALID],
      ['a wrong Basic token', { authorization: 'Basic d3Jvbmc6d3Jvbmc=' }, basicOnly, INVALID],
      ['a wrong Bearer token', { authorization: 'Bearer nope' }, bearerOnly, INVALID],
      [
        'the Basic token under Bearer',
        { authorization: `Bearer ${BASIC_TOKEN}` },
        basicOnly,
        INVALID,
      ],
      [
        'the Bearer token under Basic',
        { authorization: `Basic ${BEARER_TOKEN}` },
        bearerOnly,
        INVALID,
      ],
      ['another scheme', { authorization: `Token ${BASIC_TOKEN}` }, basicOnly, INVALID],
      ['the bare token without its scheme', { authorization: BASIC_TOKEN }, basicOnly, INVALID],
      ['the scheme word alone', { authorization: 'Basic' }, basicOnly, INVALID],
      [
        'a token of the wrong case',
        { authorization: `Basic ${BASIC_TOKEN.toLowerCase()}` },
        basicOnly,
        INVALID,
      ],
      [
        'a Bearer token of the wrong case',
        { authorization: `Bearer ${BEARER_TOKEN.toUpperCase()}` },
        bearerOnly,
        INVALID,
      ],
      ['a token with a suffix', { authorization: `${BASIC}x` }, basicOnly, INVALID],
      ['a token cut short', { authorization: BASIC.slice(0, -2) }, basicOnly, INVALID],
    ])('refuses %s', (_case, headers, creds, reason) => {
      expect(truuth.verify(request(VALID_BODY, headers), creds)).toEqual({ ok: false, reason });
    });

    it.each<[string, Record<string, string>, string, RejectionReason]>([
      ['a wrong header with a non-JSON body', { authorization: 'Basic nope' }, 'not json', INVALID],
      ['no header with a non-JSON body', {}, 'not json', MISSING],
      ['a valid header with a non-JSON body', GOOD, 'not json', MALFORMED],
      ['a valid header with an empty body', GOOD, '', MALFORMED],
      ['a valid header with truncated JSON', GOOD, VALID_BODY.slice(0, -1), MALFORMED],
    ])('checks the header before the body: refuses %s', (_case, headers, body, reason) => {
      expect(truuth.verify(request(body, headers), basicOnly)).toEqual({ ok: false, reason });
    });

    it.each(['null', '[]', '"x"', '42', 'true', '{"foo":"bar"}'])(
      'accepts any JSON value as a body: %s',
      (body) => {
        expect(truuth.verify(request(body, GOOD), basicOnly)).toEqual({
          ok: true,
          dedupId: `callback:${bodyHash(body)}`,
        });
      },
    );

    it('accepts either value during a rotation, on both routes', () => {
      const rotating = credentials({ authorization: ['Bearer old-token', 'Bearer new-token'] });
      for (const route of truuth.routes) {
        for (const token of ['old-token', 'new-token']) {
          expect(
            truuth.verify(
              request(VALID_BODY, { authorization: `Bearer ${token}` }, route),
              rotating,
            ),
          ).toMatchObject({ ok: true });
        }
        expect(
          truuth.verify(
            request(VALID_BODY, { authorization: 'Bearer older-token' }, route),
            rotating,
          ),
        ).toEqual({ ok: false, reason: INVALID });
      }
    });

    describe('per-route override', () => {
      const split = credentials({
        authorization: [BASIC],
        routes: {
          'biopass-user-provisioning': {
            authorization: ['Bearer biopass-only', 'Bearer biopass-next'],
          },
        },
      });

      it.each<[string, string, string, boolean]>([
        ['the shared value on the route without a list', CALLBACK, BASIC, true],
        ["the route's own value on its route", BIOPASS, 'Bearer biopass-only', true],
        ["the route's second value (rotation) on its route", BIOPASS, 'Bearer biopass-next', true],
        ['the shared value on the route with its own list', BIOPASS, BASIC, false],
        [
          "another route's value on the route without a list",
          CALLBACK,
          'Bearer biopass-only',
          false,
        ],
      ])('%s → accepted: %s', (_case, route, value, ok) => {
        const result = truuth.verify(request(VALID_BODY, { authorization: value }, route), split);
        expect(result.ok).toBe(ok);
        if (!ok) expect(result).toEqual({ ok: false, reason: INVALID });
      });

      it('gives each route only its own list when both are overridden', () => {
        const both = credentials({
          routes: {
            callback: { authorization: ['Bearer cb'] },
            'biopass-user-provisioning': { authorization: ['Basic YnA6YnA='] },
          },
        });
        const cases: [string, string, boolean][] = [
          [CALLBACK, 'Bearer cb', true],
          [CALLBACK, 'Basic YnA6YnA=', false],
          [BIOPASS, 'Basic YnA6YnA=', true],
          [BIOPASS, 'Bearer cb', false],
        ];
        for (const [route, value, ok] of cases) {
          expect(truuth.verify(request(VALID_BODY, { authorization: value }, route), both).ok).toBe(
            ok,
          );
        }
      });

      it('leaves a route without its own list unconfigured when there is no shared list', () => {
        const onlyBiopass = credentials({
          routes: { 'biopass-user-provisioning': { authorization: ['Bearer biopass-only'] } },
        });
        const auth = { authorization: 'Bearer biopass-only' };
        expect(truuth.verify(request(VALID_BODY, auth, BIOPASS), onlyBiopass)).toMatchObject({
          ok: true,
        });
        expect(truuth.verify(request(VALID_BODY, auth, CALLBACK), onlyBiopass)).toEqual({
          ok: false,
          reason: 'no_credentials_configured',
        });
      });
    });

    describe('dedup id', () => {
      it("is the route key and the hash of the raw body less its links' queries, stable across a retry", () => {
        expect(VALID_BODY).toContain(LINK_QUERY);
        const first = truuth.verify(request(VALID_BODY, GOOD), basicOnly);
        expect(first).toEqual({
          ok: true,
          dedupId: `callback:${bodyHash(withoutLinkQuery(VALID_BODY))}`,
        });
        expect(truuth.verify(request(VALID_BODY, GOOD), basicOnly)).toEqual(first);
      });

      it('differs between the two routes for the same body, so neither hides the other', () => {
        const callback = truuth.verify(request(VALID_BODY, GOOD, CALLBACK), basicOnly);
        const biopass = truuth.verify(request(VALID_BODY, GOOD, BIOPASS), basicOnly);
        expect(biopass).toEqual({
          ok: true,
          dedupId: `biopass-user-provisioning:${bodyHash(withoutLinkQuery(VALID_BODY))}`,
        });
        expect(biopass).not.toEqual(callback);
      });

      it('differs when the body is re-serialized (no event id is documented)', () => {
        const pretty = JSON.stringify(JSON.parse(VALID_BODY), null, 2);
        expect(truuth.verify(request(pretty, GOOD), basicOnly)).toEqual({
          ok: true,
          dedupId: `callback:${bodyHash(withoutLinkQuery(pretty))}`,
        });
      });
    });
  });

  describe('parseCredentials', () => {
    it('keeps the base fields, the shared list and the overrides', () => {
      const secret = {
        allowUnauthenticated: false,
        allowedIps: ['203.0.113.0/24'],
        authorization: [BASIC, BEARER],
        routes: { callback: { authorization: ['Bearer cb'] } },
      };
      expect(credentials(secret)).toEqual({
        allowUnauthenticated: false,
        allowedIps: ['203.0.113.0/24'],
        authorization: [BASIC, BEARER],
        routes: { callback: ['Bearer cb'] },
      });
    });

    it('reads an empty secret as nothing configured', () => {
      expect(credentials({})).toEqual({
        allowUnauthenticated: false,
        authorization: [],
        routes: {},
      });
    });

    it.each<[string, Record<string, unknown>, string]>([
      ['authorization is a string', { authorization: BASIC }, '"authorization"'],
      ['authorization is an object', { authorization: { basic: 'x' } }, '"authorization"'],
      ['authorization holds an empty string', { authorization: [''] }, '"authorization"'],
      ['authorization holds blanks', { authorization: ['   '] }, '"authorization"'],
      ['authorization holds a number', { authorization: [42] }, '"authorization"'],
      ['a value is a bare token', { authorization: [BASIC_TOKEN] }, '"authorization"'],
      ['a value has another scheme', { authorization: ['Token abc'] }, '"authorization"'],
      ['a value is a scheme word alone', { authorization: ['Bearer'] }, '"authorization"'],
      ['routes is a list', { routes: [] }, '"routes"'],
      ['routes is a string', { routes: 'callback' }, '"routes"'],
      ['routes is null', { routes: null }, '"routes"'],
      [
        'a route is unknown',
        { routes: { callbak: { authorization: [BEARER] } } },
        '"routes.callbak"',
      ],
      [
        'a route is given by its path',
        { routes: { [CALLBACK]: { authorization: [BEARER] } } },
        `"routes.${CALLBACK}"`,
      ],
      ['a route entry is a list', { routes: { callback: [BEARER] } }, '"routes.callback"'],
      [
        'a route entry has an unknown field',
        { routes: { callback: { authorisation: [BEARER] } } },
        '"routes.callback.authorisation"',
      ],
      [
        'a route entry has no list',
        { routes: { callback: {} } },
        '"routes.callback.authorization"',
      ],
      [
        'a route entry has an empty list',
        { routes: { callback: { authorization: [] } } },
        '"routes.callback.authorization"',
      ],
      [
        'a route entry list is a string',
        { routes: { callback: { authorization: BEARER } } },
        '"routes.callback.authorization"',
      ],
      [
        'a route entry holds a bare token',
        { routes: { 'biopass-user-provisioning': { authorization: ['tok'] } } },
        '"routes.biopass-user-provisioning.authorization"',
      ],
    ])('throws a ConfigurationError naming the field when %s', (_case, secret, name) => {
      expect(() => credentials(secret)).toThrow(ConfigurationError);
      expect(() => credentials(secret)).toThrow(name);
    });

    it('never puts a secret value in the error message', () => {
      for (const secret of [
        { authorization: ['super-secret-token'] },
        { authorization: ['Bearer ok', 'super-secret-token'] },
        { routes: { callback: { authorization: ['super-secret-token'] } } },
      ]) {
        expect(() => credentials(secret)).toThrow(
          expect.objectContaining({ message: expect.not.stringContaining('super-secret') }),
        );
      }
    });
  });

  describe('sign', () => {
    const creds = credentials({
      authorization: ['Bearer first', 'Bearer second'],
      routes: { 'biopass-user-provisioning': { authorization: ['Basic YnA6YnA=', 'Bearer x'] } },
    });

    it.each<[string, string]>([
      [CALLBACK, 'Bearer first'],
      [BIOPASS, 'Basic YnA6YnA='],
    ])('uses the first value accepted on %s', (route, value) => {
      expect(truuth.sign('{}', route, creds)).toEqual({
        body: '{}',
        headers: { authorization: value },
      });
    });

    it('adds no header when nothing is configured', () => {
      expect(truuth.sign('{}', CALLBACK, credentials({ allowUnauthenticated: true }))).toEqual({
        body: '{}',
        headers: {},
      });
    });
  });

  describe('normalize', () => {
    /** A minimal body (on its route) that carries one status mapping row's word. */
    function bodyFor(row: StatusMappingRow): { json: unknown; route: string } {
      const verificationId = 'row-verification';
      switch (row.field) {
        case TRUUTH_OUTCOME_FIELD:
          return {
            route: CALLBACK,
            json: {
              verificationId,
              status: 'DONE',
              results: { proofingOutcomes: [{ status: row.value }] },
            },
          };
        case TRUUTH_STATUS_FIELD:
          return { route: CALLBACK, json: { verificationId, status: row.value } };
        case TRUUTH_ROUTE_FIELD:
          return { route: TRUUTH_ROUTES[row.value as TruuthRouteKey], json: { verificationId } };
        default:
          throw new Error(`no body builder for the field ${row.field}: add one`);
      }
    }

    it('declares, for the README, exactly the words read here', () => {
      // Written from Truuth's (inferred) words, not from the vendor module.
      expect(truuth.statusMapping.map((row) => [row.field, row.value, row.status])).toEqual([
        ['results.proofingOutcomes[].status', 'FAIL', 'rejected'],
        ['results.proofingOutcomes[].status', 'WARNING', 'in_review'],
        ['results.proofingOutcomes[].status', 'PASS', 'approved'],
        ['status', 'DONE', 'unknown'],
        ['status', 'IN_PROGRESS', 'in_progress'],
        ['status', 'PENDING', 'pending'],
        ['route', 'biopass-user-provisioning', 'approved'],
      ]);
    });

    it.each(truuth.statusMapping)('maps $field = $value to $status', (row) => {
      const { json, route } = bodyFor(row);
      expect(truuth.routes).toContain(route);
      const draft = normalizeOne(json, route);
      expect(draft.status).toBe(row.status);
      if (row.field !== TRUUTH_ROUTE_FIELD) expect(draft.vendorStatus).toContain(row.value);
    });

    it.each(truuth.statusMapping.filter((row) => row.field !== TRUUTH_ROUTE_FIELD))(
      'reads $field = $value case-insensitively',
      (row) => {
        const { json, route } = bodyFor({ ...row, value: row.value.toLowerCase() });
        expect(normalizeOne(json, route).status).toBe(row.status);
      },
    );

    it.each(Object.entries(TRUUTH_ROUTES))('the %s route gives its event type', (key, route) => {
      const draft = normalizeOne({ verificationId: 'v-1' }, route);
      expect(draft.vendorEventType).toBe(TRUUTH_EVENT_TYPES[key as TruuthRouteKey]);
      expect(draft.detailType).toBe('KYC Verification Updated');
    });

    it.each<[string[], Status | undefined]>([
      [['PASS'], 'approved'],
      [['PASS', 'PASS', 'PASS'], 'approved'],
      [['PASS', 'WARNING'], 'in_review'],
      [['WARNING', 'WARNING'], 'in_review'],
      [['PASS', 'FAIL'], 'rejected'],
      [['WARNING', 'FAIL', 'PASS'], 'rejected'],
      [['pass', ' Pass '], 'approved'],
      [['fail'], 'rejected'],
      [['PASS', 'SKIPPED'], undefined],
      [['SKIPPED', 'WARNING'], 'in_review'],
      [['SKIPPED', 'FAIL'], 'rejected'],
      [['PASSED'], undefined],
      [[], undefined],
    ])('reads the outcomes %j as %s', (outcomes, status) => {
      expect(statusFromOutcomes(outcomes)).toBe(status);
    });

    it.each(knownAnswers<[string, Status]>(FIXTURES, 'status-words.json'))(
      'reads the status word "%s" as %s',
      (word, status) => {
        expect(statusFromWord(word)).toBe(status);
      },
    );

    it.each<[string, unknown, Status, string | null]>([
      [
        'outcomes beat an IN_PROGRESS status',
        { status: 'IN_PROGRESS', results: { proofingOutcomes: [{ status: 'FAIL' }] } },
        'rejected',
        'status=IN_PROGRESS outcomes=FAIL',
      ],
      [
        'inconclusive outcomes fall back to the status',
        { status: 'IN_PROGRESS', results: { proofingOutcomes: [{ status: 'SKIPPED' }] } },
        'in_progress',
        'status=IN_PROGRESS outcomes=SKIPPED',
      ],
      [
        'DONE with inconclusive outcomes',
        { status: 'DONE', results: { proofingOutcomes: [{ status: 'PASS' }, { status: 'N/A' }] } },
        'unknown',
        'status=DONE outcomes=PASS,N/A',
      ],
      [
        'outcomes without a status',
        { results: { proofingOutcomes: [{ status: 'PASS' }] } },
        'approved',
        'outcomes=PASS',
      ],
      ['an unknown status word', { status: 'ARCHIVED' }, 'unknown', 'status=ARCHIVED'],
      ['neither', {}, 'unknown', null],
    ])('callback: %s', (_case, json, status, vendorStatus) => {
      expect(normalizeOne(json, CALLBACK)).toMatchObject({ status, vendorStatus });
    });

    it.each<[string, unknown, Status]>([
      ['no outcomes', { verificationId: 'v' }, 'approved'],
      ['an IN_PROGRESS status and no outcomes', { status: 'IN_PROGRESS' }, 'approved'],
      ['all PASS', { results: { proofingOutcomes: [{ status: 'PASS' }] } }, 'approved'],
      [
        'inconclusive outcomes',
        { results: { proofingOutcomes: [{ status: 'SKIPPED' }] } },
        'approved',
      ],
      ['a FAIL outcome', { results: { proofingOutcomes: [{ status: 'FAIL' }] } }, 'rejected'],
      [
        'a WARNING outcome',
        { results: { proofingOutcomes: [{ status: 'WARNING' }] } },
        'in_review',
      ],
      ['an unrecognised shape', { foo: 'bar' }, 'approved'],
    ])('biopass user provisioning with %s → %s', (_case, json, status) => {
      expect(normalizeOne(json, BIOPASS).status).toBe(status);
    });

    it('reports an unrecognised shape as one unknown vendor event without a subject', () => {
      expect(truuth.normalize(delivery({ foo: 'bar' }))).toEqual([
        {
          detailType: 'KYC Vendor Event',
          vendorEventType: 'Callback',
          status: 'unknown',
          scope: 'other',
          vendorStatus: null,
        },
      ]);
    });

    it('identifies a verification by verificationId, with externalRefId when present', () => {
      const body = fixtureJson();
      expect(normalizeOne(body).subject).toEqual({
        kind: 'verification',
        id: body['verificationId'],
        externalRef: body['externalRefId'],
      });
      delete body['externalRefId'];
      expect(normalizeOne(body).subject).toEqual({
        kind: 'verification',
        id: body['verificationId'],
      });
      delete body['verificationId'];
      const draft = normalizeOne(body);
      expect(draft).not.toHaveProperty('subject');
      expect(draft.detailType).toBe('KYC Vendor Event');
      expect(draft.status).toBe('approved');
    });

    it.each<[string, unknown]>([
      ['an empty string', ''],
      ['an object', { id: 'x' }],
      ['a list', ['x']],
      ['null', null],
      ['a boolean', true],
    ])('has no subject when verificationId is %s', (_case, verificationId) => {
      const body = fixtureJson();
      body['verificationId'] = verificationId;
      expect(normalizeOne(body)).not.toHaveProperty('subject');
    });

    it('reads a numeric verificationId as text', () => {
      expect(normalizeOne({ verificationId: 12345 }).subject).toEqual({
        kind: 'verification',
        id: '12345',
      });
    });

    it('ignores extra fields and decoys outside results.proofingOutcomes', () => {
      const plain = fixtureJson();
      const extended = {
        ...structuredClone(plain),
        decision: 'FAIL',
        proofingOutcomes: [{ status: 'FAIL' }],
        outcome: 'FAIL',
        results: {
          ...(plain['results'] as Record<string, unknown>),
          overall: 'FAIL',
          fraud: { status: 'FAIL' },
        },
      };
      expect(normalizeOne(extended)).toEqual(normalizeOne(plain));
    });

    it('never sets occurredAt: Truuth documents no event time', () => {
      for (const name of FIXTURE_NAMES) {
        const { body, expected } = readFixture(name);
        for (const draft of truuth.normalize(delivery(JSON.parse(body), expected.route)))
          expect(draft).not.toHaveProperty('occurredAt');
      }
    });

    it('gives an unknown route an unknown event type without throwing', () => {
      expect(normalizeOne({ status: 'DONE' }, '/webhooks/truuth/other')).toEqual({
        ...UNREAD_VENDOR_EVENT,
        vendorStatus: 'status=DONE',
      });
    });

    it.each<[string, unknown]>([
      ['results as a string', { results: 'PASS' }],
      ['results as a list', { results: [{ status: 'PASS' }] }],
      ['proofingOutcomes as a string', { results: { proofingOutcomes: 'PASS' } }],
      ['proofingOutcomes as an object', { results: { proofingOutcomes: { status: 'PASS' } } }],
      [
        'odd outcome entries',
        { results: { proofingOutcomes: [null, 1, 'PASS', [], { status: 5 }, { status: '' }] } },
      ],
      ['a status that is not a string', { status: ['DONE'] }],
      ['a blank status', { status: '   ' }],
      [
        'prototype keys',
        JSON.parse('{"__proto__":{"status":"DONE"},"constructor":{"verificationId":"x"}}'),
      ],
      ['a deeply nested body', deeplyNested(2_000)],
    ])('never throws on %s, and returns one unknown draft on each route', (_case, json) => {
      for (const route of truuth.routes) {
        const draft = normalizeOne(json, route);
        expectInVocabulary(draft);
        expect(draft.status).toBe(route === BIOPASS ? 'approved' : 'unknown');
        expect(draft.vendorStatus).toBeNull();
        expect(draft).not.toHaveProperty('subject');
      }
    });
  });
});

/** Every string and number leaf under a value, as strings. */
function leaves(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value === 'number') return [String(value)];
  if (Array.isArray(value)) return value.flatMap(leaves);
  if (typeof value === 'object' && value !== null) return Object.values(value).flatMap(leaves);
  return [];
}

/** `{"results":{"results":…}}` nested `depth` times, built as text and parsed like a delivery. */
function deeplyNested(depth: number): unknown {
  return JSON.parse(`${'{"results":'.repeat(depth)}{}${'}'.repeat(depth)}`);
}
