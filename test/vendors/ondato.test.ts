import { describe, expect, it } from 'vitest';
import { issueAccessToken } from '../../lambdas/core/access-token.js';
import { ConfigurationError } from '../../lambdas/core/errors.js';
import type { NormalizedDraft, Status } from '../../lambdas/core/event.js';
import { bodyHash } from '../../lambdas/core/hash.js';
import { answerPolicyOf } from '../../lambdas/core/http-answers.js';
import { parseJson } from '../../lambdas/core/json.js';
import { REJECTION_KINDS } from '../../lambdas/core/vendor.js';
import type {
  BaseCredentials,
  Delivery,
  RefusalReason,
  RejectionReason,
  WebhookRequest,
} from '../../lambdas/core/vendor.js';
import { ingestDelivery } from '../../lambdas/ingest/ingest-delivery.js';
import {
  ONDATO_EVENT_TYPES,
  ONDATO_SOURCE_IPS,
  ONDATO_STATUS_WORDS,
  ONDATO_TOKEN_AUDIENCE,
  ONDATO_TYPE_SUFFIXES,
  ondato,
  readKey,
} from '../../lambdas/vendors/ondato.js';
import { MemoryQueue, StaticSecretSource } from '../support/memory-ports.js';
import { vendorFixtures, type FixtureExpectation } from '../support/vendor-fixtures.js';
import { knownAnswers, rowsFor } from '../suites/known-answers.js';
import { expectInVocabulary, UNREAD_VENDOR_EVENT } from '../support/drafts.js';

const FIXTURES = vendorFixtures(ondato);
const ROUTE = '/webhooks/ondato';
const NOW = new Date('2026-06-01T12:00:00.000Z');
const RECEIVED_AT = '2026-06-01T12:00:00.000Z';

interface Expected extends FixtureExpectation {
  readonly headers: Record<string, string>;
}

type Envelope = Record<string, unknown> & { payload: Record<string, unknown> };

const readFixture = (name: string) => FIXTURES.read<Expected>(name);

const FIXTURE_NAMES = FIXTURES.names;

/** Ondato's status words and type endings, as [field, word, status]: written from its documentation. */
const STATUS_WORDS = knownAnswers<[string, string, Status]>(FIXTURES, 'status-words.json');

const FIXTURE_SECRET = FIXTURES.secret() as {
  authorization: string[];
  oauthClients: { clientId: string; clientSecret: string }[];
  tokenSigningKeys: string[];
};

const credentials = (secret: Record<string, unknown>): BaseCredentials =>
  FIXTURES.credentials(secret);

const CREDENTIALS = credentials(FIXTURE_SECRET);
const BASIC = FIXTURE_SECRET.authorization[0] ?? '';
const BASIC_TOKEN = BASIC.slice('Basic '.length);
const SIGNING_KEY = FIXTURE_SECRET.tokenSigningKeys[0] ?? '';
const FOREIGN_KEY = 'a-foreign-signing-key-of-enough-length-0000';
const basicOnly = credentials({ authorization: [BASIC] });
const tokensOnly = credentials({ tokenSigningKeys: [SIGNING_KEY] });

/** A fresh camelCase envelope to mutate. */
function envelope(name = 'kyc-identification-approved'): Envelope {
  return structuredClone(JSON.parse(readFixture(name).body) as Envelope);
}
const VALID_BODY = readFixture('kyc-identification-approved').body;

/** Bodies that are not the JSON object Ondato sends: a header credential vouches for them all. */
const NOT_AN_OBJECT: readonly (readonly [string, string])[] = [
  ['not JSON', 'not json'],
  ['empty', ''],
  ['a JSON array', `[${VALID_BODY}]`],
  ['JSON null', 'null'],
  ['a JSON string', '"x"'],
  ['a JSON number', '42'],
];

function token(
  options: {
    key?: string;
    audience?: string;
    issuedAt?: Date;
    ttl?: number;
    clientId?: string;
  } = {},
) {
  return issueAccessToken(
    {
      clientId: options.clientId ?? 'ondato-fixtures',
      audience: options.audience ?? ONDATO_TOKEN_AUDIENCE,
      now: options.issuedAt ?? NOW,
      ttlSeconds: options.ttl ?? 300,
    },
    options.key ?? SIGNING_KEY,
  );
}

function request(
  body: string,
  headers: Record<string, string | undefined>,
  now = NOW,
): WebhookRequest {
  return { route: ROUTE, body, headers, sourceIp: '203.0.113.10', now };
}

function delivery(json: unknown, body = JSON.stringify(json) ?? ''): Delivery {
  return { route: ROUTE, body, json, receivedAt: RECEIVED_AT };
}

function normalizeOne(json: unknown): NormalizedDraft {
  const drafts = ondato.normalize(delivery(json));
  expect(drafts).toHaveLength(1);
  return drafts[0]!;
}

describe('ondato', () => {
  it('is the ondato vendor on its route, with the five documented source addresses', () => {
    expect(ondato.id).toBe('ondato');
    expect(ondato.routes).toEqual([ROUTE]);
    expect(ondato.defaultAllowedIps).toEqual([
      '20.31.10.47',
      '20.31.227.231',
      '20.76.229.117',
      '20.76.229.248',
      '213.226.187.101',
    ]);
    expect(ONDATO_SOURCE_IPS).toHaveLength(5);
  });

  describe('answers', () => {
    // Microsoft, "Event Grid message delivery and retry" (Ondato delivers through Azure Event
    // Grid): a webhook answered 400, 401, 403 or 413 is not retried but dropped (or
    // dead-lettered); any other failure is retried with backoff for up to 30 attempts or 24 h.
    const NOT_RETRIED = [400, 401, 403, 413];
    const policy = answerPolicyOf(ondato.answers);
    const ALL_REFUSALS: readonly RefusalReason[] = [
      ...(Object.keys(REJECTION_KINDS) as RejectionReason[]),
      'ip_not_allowed',
      'body_too_large',
    ];

    it('acknowledges a queued delivery with a 2xx, which Event Grid counts as delivered', () => {
      expect(policy.accepted).toBe(200);
    });

    it.each<[RefusalReason, string]>([
      ['expired_token', 'a token we issued, past the lifetime we chose'],
      ['revoked_client', 'a token of a client we removed from oauthClients'],
      ['invalid_authorization', 'a Basic password Ondato switched to before we listed it'],
      ['ip_not_allowed', 'an allow-list that misses an address Ondato delivers from'],
      ['no_credentials_configured', 'a secret that lists no credential'],
      ['missing_authorization', 'a credential we require that Ondato was not set up to send'],
      ['foreign_token', 'a token of ours from before an audience or issuer rename'],
    ])('answers %s (%s) with 503, which Event Grid retries', (reason) => {
      expect(policy.refused[reason]).toBe(503);
    });

    it('answers no refusal with a status Event Grid drops, but an oversized body', () => {
      for (const reason of ALL_REFUSALS) {
        const status = policy.refused[reason];
        if (reason === 'body_too_large') expect(status, reason).toBe(413);
        else {
          expect(NOT_RETRIED, reason).not.toContain(status);
          expect(status, reason).toBeGreaterThanOrEqual(500);
        }
      }
    });

    it("states the sender's retry rule and where it comes from", () => {
      const { senderRetries } = ondato.answers;
      expect(senderRetries).toMatch(/Azure Event Grid/);
      for (const status of NOT_RETRIED) expect(senderRetries).toContain(String(status));
      expect(senderRetries).toMatch(/30 attempts/);
      expect(senderRetries).toMatch(/24 h/);
    });
  });

  describe('answers through ingest', () => {
    const ONDATO_ADDRESS = '20.31.10.47';
    const ALLOWED = '203.0.113.10';

    async function deliver(
      options: {
        headers?: Record<string, string>;
        secret?: Record<string, unknown>;
        sourceIp?: string;
        body?: string;
        maxMessageBytes?: number;
      } = {},
    ) {
      const queue = new MemoryQueue();
      const { answer, outcome } = await ingestDelivery(
        {
          path: ROUTE,
          headers: options.headers ?? { authorization: BASIC },
          body: options.body ?? VALID_BODY,
          isBase64Encoded: false,
          sourceIp: options.sourceIp ?? ALLOWED,
          requestId: 'req-ondato',
          now: NOW,
        },
        {
          secrets: new StaticSecretSource({ ondato: options.secret ?? FIXTURE_SECRET }),
          queue,
          ...(options.maxMessageBytes !== undefined && {
            maxMessageBytes: options.maxMessageBytes,
          }),
        },
      );
      return { status: answer.statusCode, reason: outcome.reason, queued: queue.messages };
    }

    const hourAgo = new Date(NOW.getTime() - 3_600_000);
    const rotatedClient = { clientId: 'ondato-next', clientSecret: 'not-a-real-secret-next' };

    it.each<[string, Parameters<typeof deliver>[0], RefusalReason]>([
      [
        'a token we issued that has expired',
        { headers: { authorization: `Bearer ${token({ issuedAt: hourAgo })}` } },
        'expired_token',
      ],
      [
        'a live token of a client the secret no longer lists',
        {
          headers: { authorization: `Bearer ${token()}` },
          secret: { ...FIXTURE_SECRET, oauthClients: [rotatedClient] },
        },
        'revoked_client',
      ],
      [
        'a Basic password Ondato switched to before the secret listed it',
        { headers: { authorization: 'Basic bmV3Om5ldy1wYXNzd29yZA==' } },
        'invalid_authorization',
      ],
      [
        "one of Ondato's own addresses, missing from an edited allow-list",
        { sourceIp: ONDATO_ADDRESS },
        'ip_not_allowed',
      ],
      [
        'a secret with no credential at all',
        { secret: { allowedIps: ['203.0.113.0/24'] } },
        'no_credentials_configured',
      ],
      [
        'no Authorization header, where the secret requires one',
        { headers: {} },
        'missing_authorization',
      ],
      [
        'a token of ours for another audience',
        { headers: { authorization: `Bearer ${token({ audience: 'urn:x' })}` } },
        'foreign_token',
      ],
      [
        'a bearer token that is not ours',
        { headers: { authorization: `Bearer ${token({ key: FOREIGN_KEY })}` } },
        'invalid_authorization',
      ],
    ])('answers 503 to %s, and queues nothing', async (_case, options, reason) => {
      expect(await deliver(options)).toEqual({ status: 503, reason, queued: [] });
    });

    it.each(NOT_AN_OBJECT)(
      'accepts an authenticated body that is %s: the credential vouches for it',
      async (_c, body) => {
        const { status, queued } = await deliver({ body });
        expect(status).toBe(200);
        expect(queued).toHaveLength(1);
        expect(queued[0]).toMatchObject({ body, dedupId: bodyHash(body) });
      },
    );

    it('answers 413 to a body over the queue limit: no retry would make it fit', async () => {
      expect(await deliver({ maxMessageBytes: 100 })).toEqual({
        status: 413,
        reason: 'body_too_large',
        queued: [],
      });
    });
  });

  describe('fixtures', () => {
    it('has a fixture for every documented type, the docs example and an unknown type', () => {
      const types = FIXTURE_NAMES.map((name) =>
        readKey(JSON.parse(readFixture(name).body), 'type'),
      );
      for (const type of ONDATO_EVENT_TYPES) expect(types).toContain(type);
      expect(FIXTURE_NAMES).toEqual(
        expect.arrayContaining(['form-created-docs-example', 'unknown-type']),
      );
    });

    it('keeps the docs example verbatim: PascalCase, tab-indented', () => {
      const { body } = readFixture('form-created-docs-example');
      expect(body).toMatch(/^\{\n\t"Id": "45a51829-965c-49ac-8fbb-940aa3d8486f",\n/);
      expect(body).toContain('"Type": "Form.Created"');
    });

    // Verification, normalization, refusal without the header and sign() on every fixture are
    // the vendor contract's (test/suites/vendor-contract.ts); here only what is Ondato's own.
    it.each(FIXTURE_NAMES)('%s carries the Basic header of the fixture secret', (name) => {
      expect(readFixture(name).expected.headers).toEqual({ authorization: BASIC });
    });

    it.each(FIXTURE_NAMES)('%s verifies with a bearer token from our token endpoint', (name) => {
      const { body, expected } = readFixture(name);
      const headers = { authorization: `Bearer ${token()}` };
      expect(ondato.verify(request(body, headers), CREDENTIALS)).toEqual({
        ok: true,
        dedupId: expected.dedupId,
      });
    });

    it('never lets a free-text statusReason into the normalized event', () => {
      const { body, expected } = readFixture('kyc-identification-rejected-free-text');
      expect(JSON.stringify(expected.events)).not.toMatch(/Jane|blurry/);
      expect(JSON.stringify(ondato.normalize(delivery(parseJson(body), body)))).not.toMatch(
        /Jane|blurry/,
      );
    });
  });

  describe('verify', () => {
    const MISSING = 'missing_authorization';
    const INVALID = 'invalid_authorization';
    const ALL = CREDENTIALS;
    const hourAgo = new Date(NOW.getTime() - 3_600_000);
    const bearer = (value: string) => ({ authorization: `Bearer ${value}` });
    const [EXPIRED, REVOKED, FOREIGN] = [
      'expired_token',
      'revoked_client',
      'foreign_token',
    ] as const;
    const [GONE, OTHER] = ['removed-client', 'urn:x'];

    it.each<[string, Record<string, string | undefined>, BaseCredentials, RejectionReason]>([
      ['no header at all', {}, ALL, MISSING],
      ['an empty header', { authorization: '' }, ALL, MISSING],
      ['a blank header', { authorization: '   ' }, ALL, MISSING],
      ['an unrelated header only', { 'x-api-key': BASIC_TOKEN }, ALL, MISSING],
      ['a wrong Basic token', { authorization: 'Basic d3Jvbmc6d3Jvbmc=' }, ALL, INVALID],
      ['the Basic token without its scheme', { authorization: BASIC_TOKEN }, ALL, INVALID],
      ['the scheme word alone', { authorization: 'Basic' }, ALL, INVALID],
      ['Bearer alone', { authorization: 'Bearer' }, ALL, INVALID],
      ['the Basic token sent as Bearer', { authorization: `Bearer ${BASIC_TOKEN}` }, ALL, INVALID],
      ['a token sent as Basic', { authorization: `Basic ${token()}` }, ALL, INVALID],
      ['an unknown scheme', { authorization: `Token ${token()}` }, ALL, INVALID],
      [
        'a Basic token of the wrong case',
        { authorization: `Basic ${BASIC_TOKEN.toLowerCase()}` },
        ALL,
        INVALID,
      ],
      ['an expired token', bearer(token({ issuedAt: hourAgo })), ALL, EXPIRED],
      [
        'a live token of a client no longer listed',
        bearer(token({ clientId: GONE })),
        ALL,
        REVOKED,
      ],
      [
        'an expired token of a client no longer listed',
        bearer(token({ clientId: GONE, issuedAt: hourAgo })),
        ALL,
        EXPIRED,
      ],
      ['a token signed with a foreign key', bearer(token({ key: FOREIGN_KEY })), ALL, INVALID],
      ['a token for another audience', bearer(token({ audience: OTHER })), ALL, FOREIGN],
      [
        'an expired token for another audience',
        bearer(token({ audience: OTHER, issuedAt: hourAgo })),
        ALL,
        FOREIGN,
      ],
      ['a malformed token', { authorization: 'Bearer not.a.jwt' }, ALL, INVALID],
      ['a token with a suffix', bearer(`${token()}x`), ALL, INVALID],
      ['a token with spaces inside', bearer(token().replace('.', '. ')), ALL, INVALID],
      ['a valid token where only Basic is configured', bearer(token()), basicOnly, INVALID],
      ['a valid token where no client is configured', bearer(token()), tokensOnly, REVOKED],
      [
        'the Basic value where only tokens are configured',
        { authorization: BASIC },
        tokensOnly,
        INVALID,
      ],
    ])('refuses %s', (_case, headers, creds, reason) => {
      expect(ondato.verify(request(VALID_BODY, headers), creds)).toEqual({ ok: false, reason });
    });

    it.each<[string, string]>([
      ['Basic', BASIC],
      ['basic (lower-case scheme)', `basic ${BASIC_TOKEN}`],
      ['BASIC', `BASIC ${BASIC_TOKEN}`],
      ['extra spaces', `  Basic   ${BASIC_TOKEN}  `],
      ['Bearer', `Bearer ${token()}`],
      ['bearer (lower-case scheme)', `bearer ${token()}`],
      ['BEARER', `BEARER ${token()}`],
      [
        'a token issued 4 minutes ago',
        `Bearer ${token({ issuedAt: new Date(NOW.getTime() - 240_000) })}`,
      ],
    ])('accepts %s', (_case, authorization) => {
      expect(ondato.verify(request(VALID_BODY, { authorization }), CREDENTIALS)).toMatchObject({
        ok: true,
      });
    });

    it('accepts a token signed with any key of a rotation, and Basic values of a rotation', () => {
      const rotating = credentials({
        authorization: ['Basic bmV3Om5ldw==', BASIC],
        oauthClients: FIXTURE_SECRET.oauthClients,
        tokenSigningKeys: [FOREIGN_KEY, SIGNING_KEY],
      });
      for (const authorization of [
        BASIC,
        'Basic bmV3Om5ldw==',
        `Bearer ${token()}`,
        `Bearer ${token({ key: FOREIGN_KEY })}`,
      ]) {
        expect(ondato.verify(request(VALID_BODY, { authorization }), rotating)).toMatchObject({
          ok: true,
        });
      }
    });

    it('follows the request clock: the same token expires as time passes', () => {
      const authorization = `Bearer ${token()}`;
      const later = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);
      expect(
        ondato.verify(request(VALID_BODY, { authorization }, later(299)), CREDENTIALS),
      ).toMatchObject({ ok: true });
      expect(
        ondato.verify(request(VALID_BODY, { authorization }, later(3600)), CREDENTIALS),
      ).toEqual({
        ok: false,
        reason: 'expired_token',
      });
    });

    it('refuses the tokens of a client from the moment the secret stops listing it', () => {
      const authorization = `Bearer ${token()}`;
      const [client] = FIXTURE_SECRET.oauthClients;
      const other = { clientId: 'ondato-next', clientSecret: 'not-a-real-secret-next' };
      const listing = (clients: unknown[]) =>
        credentials({ ...FIXTURE_SECRET, oauthClients: clients });
      // A rotation of the client's secret keeps its id listed: its tokens still hold.
      expect(
        ondato.verify(
          request(VALID_BODY, { authorization }),
          listing([{ ...client, clientSecret: 'next-secret' }, client, other]),
        ),
      ).toMatchObject({ ok: true });
      expect(ondato.verify(request(VALID_BODY, { authorization }), listing([other]))).toEqual({
        ok: false,
        reason: 'revoked_client',
      });
      // Basic never names a client: removing every OAuth client does not touch it.
      expect(
        ondato.verify(request(VALID_BODY, { authorization: BASIC }), listing([])),
      ).toMatchObject({ ok: true });
    });

    it('refuses a present but refused token even when unauthenticated deliveries are allowed', () => {
      const open = credentials({ ...FIXTURE_SECRET, allowUnauthenticated: true });
      const expired = `Bearer ${token({ issuedAt: hourAgo })}`;
      expect(ondato.verify(request(VALID_BODY, { authorization: expired }), open)).toEqual({
        ok: false,
        reason: 'expired_token',
      });
    });

    it.each<[string, Record<string, string>, string, RejectionReason]>([
      ['a wrong header with a non-JSON body', { authorization: 'Basic eDp5' }, 'not json', INVALID],
      ['no header with a non-JSON body', {}, 'not json', MISSING],
    ])('checks the header before the body: %s', (_case, headers, body, reason) => {
      expect(ondato.verify(request(body, headers), CREDENTIALS)).toEqual({ ok: false, reason });
    });

    it.each(NOT_AN_OBJECT)(
      'accepts an authenticated body that is %s, with the body hash as dedup id',
      (_case, body) => {
        for (const authorization of [BASIC, `Bearer ${token()}`]) {
          expect(ondato.verify(request(body, { authorization }), CREDENTIALS)).toEqual({
            ok: true,
            dedupId: bodyHash(body),
          });
        }
      },
    );

    it.each<[string, unknown, string | 'hash']>([
      ['camelCase id', { id: 'evt-1' }, 'evt-1'],
      ['PascalCase Id', { Id: 'evt-2' }, 'evt-2'],
      ['upper-case ID', { ID: 'evt-3' }, 'evt-3'],
      ['a numeric id', { id: 42 }, '42'],
      ['no id', {}, 'hash'],
      ['an empty id', { id: '' }, 'hash'],
      ['a null id', { id: null }, 'hash'],
      ['an object id', { id: { value: 'x' } }, 'hash'],
      ['an id only inside the payload', { payload: { id: 'resource-1' } }, 'hash'],
    ])('takes the dedup id from %s', (_case, json, dedupId) => {
      const body = JSON.stringify({ type: 'KycIdentification.Approved', ...(json as object) });
      expect(ondato.verify(request(body, { authorization: BASIC }), CREDENTIALS)).toEqual({
        ok: true,
        dedupId: dedupId === 'hash' ? bodyHash(body) : dedupId,
      });
    });

    it('keeps the envelope id as dedup id when a retry is serialized differently', () => {
      const body = envelope();
      const pretty = JSON.stringify(body, null, 2);
      expect(ondato.verify(request(pretty, { authorization: BASIC }), CREDENTIALS)).toEqual({
        ok: true,
        dedupId: body['id'],
      });
    });
  });

  describe('trust', () => {
    const rowFor = (needle: string) => {
      // The row that starts with the field, else one that lists it among others.
      const row =
        ondato.trust.find((candidate) => candidate.field.startsWith(needle)) ??
        ondato.trust.find((candidate) => candidate.field.includes(needle));
      expect(row, needle).toBeDefined();
      return row!;
    };

    it('lists every field normalize reads, each vouched for by the header credential', () => {
      // Ondato signs nothing: Basic or a bearer token proves the sender, so the whole body is
      // as trustworthy as that credential, and no field is "signed".
      for (const field of [
        '`Id`',
        '`CreatedUtc`',
        '`Type`',
        '`Payload.status`',
        '`Payload.statusReason`',
        '`Payload.id`',
        '`Payload.identityVerificationId`',
        '`Payload.kybIdentificationId`',
        '`Payload.externalReferenceId`',
        '`Payload.documentId`',
        '`Payload.kycIdentificationId`',
        '`Payload.formId`',
      ]) {
        expect(rowFor(field).proof, field).toBe('credential');
      }
      expect(ondato.trust.map((row) => row.proof)).not.toContain('signature');
    });

    it('says what the deciding fields decide', () => {
      expect(rowFor('`Id`').use).toMatch(/dedup/);
      expect(rowFor('`CreatedUtc`').use).toMatch(/ordering/);
      expect(rowFor('`Type`').use).toMatch(/subject kind.*scope/);
      expect(rowFor('`Payload.status`').use).toMatch(/status/);
      expect(rowFor('`Payload.id`').use).toMatch(/subject/);
      expect(rowFor('`Payload.identityVerificationId`').use).toMatch(/parent/);
    });

    it('lists the Authorization header as the proof, and the source IP as proving nothing', () => {
      expect(rowFor('`Authorization`')).toMatchObject({ proof: 'credential' });
      expect(rowFor('`Authorization`').use).toMatch(/oauthClients/);
      expect(rowFor('source IP')).toMatchObject({ proof: 'none' });
      expect(rowFor('source IP').use).toMatch(/allow-list/);
    });

    it('has a field and a use in every row', () => {
      for (const row of ondato.trust) {
        expect(row.field.trim()).not.toBe('');
        expect(row.use.trim()).not.toBe('');
      }
    });
  });

  describe('parseCredentials', () => {
    it('reads every field and keeps the base fields', () => {
      expect(credentials({ ...FIXTURE_SECRET, allowUnauthenticated: false })).toEqual({
        allowUnauthenticated: false,
        allowedIps: ['203.0.113.0/24'],
        authorization: [BASIC],
        oauthClients: FIXTURE_SECRET.oauthClients,
        tokenSigningKeys: [SIGNING_KEY],
      });
    });

    it('reads an empty secret as nothing configured', () => {
      expect(credentials({})).toEqual({
        allowUnauthenticated: false,
        authorization: [],
        oauthClients: [],
        tokenSigningKeys: [],
      });
    });

    it('allows one client id twice, for a secret rotation', () => {
      const clients = [
        { clientId: 'ondato', clientSecret: 'old-secret' },
        { clientId: 'ondato', clientSecret: 'new-secret' },
      ];
      expect(credentials({ oauthClients: clients, tokenSigningKeys: [SIGNING_KEY] })).toMatchObject(
        {
          oauthClients: clients,
        },
      );
    });

    it.each<[string, Record<string, unknown>, RegExp]>([
      ['authorization as a string', { authorization: BASIC }, /"authorization"/],
      [
        'a Bearer value in authorization',
        { authorization: ['Bearer super-secret'] },
        /"authorization"/,
      ],
      ['a bare token in authorization', { authorization: ['super-secret'] }, /"authorization"/],
      ['oauthClients as an object', { oauthClients: { clientId: 'a' } }, /"oauthClients"/],
      [
        'a client without a secret',
        { oauthClients: [{ clientId: 'a' }], tokenSigningKeys: [SIGNING_KEY] },
        /oauthClients\[0\]\.clientSecret/,
      ],
      [
        'a client with an empty id',
        {
          oauthClients: [{ clientId: '', clientSecret: 'super-secret' }],
          tokenSigningKeys: [SIGNING_KEY],
        },
        /oauthClients\[0\]\.clientId/,
      ],
      [
        'a client that is a string',
        { oauthClients: ['super-secret'], tokenSigningKeys: [SIGNING_KEY] },
        /oauthClients\[0\]/,
      ],
      [
        'clients without a signing key',
        { oauthClients: [{ clientId: 'a', clientSecret: 'super-secret' }] },
        /"tokenSigningKeys"/,
      ],
      [
        'a signing key under 32 bytes',
        { tokenSigningKeys: ['super-secret'] },
        /"tokenSigningKeys".*32 bytes/,
      ],
      [
        'signing keys as a string',
        { tokenSigningKeys: 'super-secret-but-long-enough-0123456789' },
        /"tokenSigningKeys"/,
      ],
    ])('names the field when given %s, never the value', (_case, secret, message) => {
      expect(() => credentials(secret)).toThrow(ConfigurationError);
      expect(() => credentials(secret)).toThrow(message);
      expect(() => credentials(secret)).toThrow(
        expect.objectContaining({ message: expect.not.stringContaining('super-secret') }),
      );
    });
  });

  describe('sign', () => {
    it('adds no header when no Basic value is configured', () => {
      expect(ondato.sign('{}', ROUTE, tokensOnly)).toEqual({ body: '{}', headers: {} });
    });
  });

  describe('normalize', () => {
    it('reads envelope and payload keys in any case', () => {
      const camel = envelope();
      const expected = normalizeOne(camel);
      const recase = (obj: Record<string, unknown>, fn: (key: string) => string) =>
        Object.fromEntries(Object.entries(obj).map(([k, v]) => [fn(k), v]));
      const pascal = (key: string) => key.charAt(0).toUpperCase() + key.slice(1);
      const variants: Record<string, unknown>[] = [
        recase(camel, pascal),
        recase(camel, (key) => key.toUpperCase()),
        recase(camel, (key) => key.toLowerCase()),
        { ...recase(camel, pascal), Payload: recase(camel.payload, pascal) },
      ];
      for (const variant of variants) expect(normalizeOne(variant)).toEqual(expected);
    });

    it('prefers the exact key when two keys differ only in case', () => {
      expect(readKey({ type: 'a', Type: 'b' }, 'Type')).toBe('b');
      expect(readKey({ type: 'a', TYPE: 'b' }, 'Type')).toBe('a');
      expect(readKey({ ['__proto__']: 'x' }, 'constructor')).toBeUndefined();
    });

    it.each<[string, unknown, string | undefined]>([
      ['7 digits, no zone', '2025-03-14T09:26:53.1234567', '2025-03-14T09:26:53.123Z'],
      ['7 digits, Z', '2025-03-14T09:26:53.9999999Z', '2025-03-14T09:26:53.999Z'],
      ['3 digits, Z', '2022-07-26T07:16:41.873Z', '2022-07-26T07:16:41.873Z'],
      ['1 digit', '2025-03-14T09:26:53.5', '2025-03-14T09:26:53.500Z'],
      ['no fraction', '2025-03-14T09:26:53', '2025-03-14T09:26:53.000Z'],
      ['an offset', '2025-03-14T11:26:53.1234567+02:00', '2025-03-14T09:26:53.123Z'],
      ['an impossible date', '2025-02-30T00:00:00', undefined],
      ['a date only', '2025-03-14', undefined],
      ['a number', 1_741_944_413, undefined],
      ['null', null, undefined],
    ])('reads createdUtc with %s', (_case, createdUtc, occurredAt) => {
      const body = envelope();
      body['createdUtc'] = createdUtc;
      const draft = normalizeOne(body);
      if (occurredAt === undefined) expect(draft).not.toHaveProperty('occurredAt');
      else expect(draft.occurredAt).toBe(occurredAt);
    });

    it('never takes the payload createdUtc (the resource creation) as the event time', () => {
      const body = envelope();
      delete body['createdUtc'];
      expect(normalizeOne(body)).not.toHaveProperty('occurredAt');
    });

    it.each(rowsFor(STATUS_WORDS, 'payload.status'))(
      'maps payload.status %s to %s',
      (word, status) => {
        const body = envelope();
        body['type'] = 'IdentityVerification.StatusChanged';
        body.payload['status'] = word;
        expect(normalizeOne(body)).toMatchObject({
          status,
          vendorStatus: `type=IdentityVerification.StatusChanged status=${word}`,
        });
        body.payload['status'] = word.toUpperCase();
        expect(normalizeOne(body).status).toBe(status);
      },
    );

    it.each(rowsFor(STATUS_WORDS, 'type'))(
      'maps a type ending %s to %s when the payload has no status',
      (suffix, status) => {
        const body = envelope();
        const type = `KycIdentification${suffix.slice(1)}`;
        body['type'] = type;
        delete body.payload['status'];
        expect(normalizeOne(body)).toMatchObject({ status, vendorStatus: `type=${type}` });
        body['type'] = type.toLowerCase();
        expect(normalizeOne(body).status).toBe(status);
      },
    );

    it('declares, for the README, exactly the words Ondato documents, as read here', () => {
      expect(ondato.statusMapping.map((row) => [row.field, row.value, row.status]).sort()).toEqual(
        [...STATUS_WORDS].sort(),
      );
      expect(ondato.statusMapping).toEqual([...ONDATO_STATUS_WORDS, ...ONDATO_TYPE_SUFFIXES]);
    });

    it.each<[string, string | undefined, string]>([
      ['KybIdentification.Document.Deleted', 'Validated', 'cancelled'],
      ['KybIdentification.Document.Deleted', 'NeedReview', 'cancelled'],
      ['KycIdentification.Approved', 'Approved', 'approved'],
      ['KycIdentification.Approved', undefined, 'approved'],
      ['KycIdentification.Updated', 'Rejected', 'rejected'],
      ['KycIdentification.Updated', undefined, 'unknown'],
      ['IdentityVerification.StatusChanged', undefined, 'unknown'],
      ['IdentityVerification.StatusChanged', 'Escalated', 'unknown'],
      ['KycIdentification.Created', 'Escalated', 'in_progress'],
      ['OngoingMonitoring.Hit', 'Approved', 'approved'],
      ['OngoingMonitoring.Hit', undefined, 'unknown'],
      ['Something', 'Pending', 'in_review'],
    ])('type %s with payload status %s → %s', (type, word, status) => {
      const body = envelope();
      body['type'] = type;
      if (word === undefined) delete body.payload['status'];
      else body.payload['status'] = word;
      expect(normalizeOne(body).status).toBe(status);
    });

    // Scope, by the rule: the IDV, a KYC identification and a KYB identification are verdicts on
    // the person or business; a KYB document and a form are one check within one; anything we
    // do not know carries no verdict we can read.
    const [VERIFICATION, DOCUMENT, VENDOR_EVENT] = [
      'KYC Verification Updated',
      'KYC Document Updated',
      'KYC Vendor Event',
    ] as const;
    const IDV = 'identityVerification';

    it.each<[string, string, string, string]>([
      ['IdentityVerification.Consented', IDV, VERIFICATION, 'verification'],
      ['IdentityVerification.StatusChanged', IDV, VERIFICATION, 'verification'],
      ['Idv.StatusChanged', IDV, VERIFICATION, 'verification'],
      ['idv.statuschanged', IDV, VERIFICATION, 'verification'],
      ['KycIdentification.Processed', 'kycIdentification', VERIFICATION, 'verification'],
      ['KycIdentification.Approved', 'kycIdentification', VERIFICATION, 'verification'],
      ['KybIdentification.Approved', 'kybIdentification', VERIFICATION, 'verification'],
      ['KybIdentification.Document.Uploaded', 'kybDocument', DOCUMENT, 'step'],
      ['KYBIDENTIFICATION.DOCUMENT.UPDATED', 'kybDocument', DOCUMENT, 'step'],
      ['Form.Created', 'form', VENDOR_EVENT, 'step'],
      ['Form.Updated', 'form', VENDOR_EVENT, 'step'],
      ['Form.Completed', 'form', VENDOR_EVENT, 'step'],
      ['OngoingMonitoring.Hit', 'ongoingMonitoring', VENDOR_EVENT, 'other'],
    ])('files %s under subject kind %s as %s, scope %s', (type, kind, detailType, scope) => {
      const body = envelope();
      body['type'] = type;
      expect(normalizeOne(body)).toMatchObject({
        vendorEventType: type,
        subject: { kind, id: body.payload['id'] },
        detailType,
        scope,
      });
    });

    it('gives scope other to a delivery that names no type, or a type of no family', () => {
      const noType = envelope();
      delete noType['type'];
      expect(normalizeOne(noType)).toMatchObject({ vendorEventType: 'unknown', scope: 'other' });
      const noFamily = envelope();
      noFamily['type'] = 'Ping';
      expect(normalizeOne(noFamily).scope).toBe('other');
    });

    it.each<[string, string]>([
      ['Form.Updated', 'Unfinished'],
      ['Form.Completed', 'Completed'],
    ])('reads %s like the other form events: payload status %s', (type, word) => {
      const body = envelope('form-created-docs-example');
      body['Type'] = type;
      (body['Payload'] as Record<string, unknown>)['status'] = word;
      expect(normalizeOne(body)).toMatchObject({
        detailType: 'KYC Vendor Event',
        vendorEventType: type,
        subject: { kind: 'form', parent: { kind: 'identityVerification' } },
        scope: 'step',
        vendorStatus: `type=${type} status=${word}`,
      });
    });

    it('reads a Form.Completed without a status word as finished by the person', () => {
      const body = envelope('form-completed');
      delete body.payload['status'];
      expect(normalizeOne(body)).toMatchObject({ status: 'in_review', scope: 'step' });
    });

    describe("a KYC identification's verdict and its parent IDV", () => {
      it.each([
        ['kyc-identification-approved', 'approved'],
        ['kyc-identification-approved-before-idv-completed', 'approved'],
        ['kyc-identification-rejected', 'rejected'],
      ])('%s: one draft, for the KYC identification, naming its IDV as parent', (name, status) => {
        const body = envelope(name);
        const [draft, ...others] = ondato.normalize(delivery(body));
        expect(others).toEqual([]);
        expect(draft).toMatchObject({
          subject: {
            kind: 'kycIdentification',
            id: body.payload['id'],
            parent: { kind: 'identityVerification', id: body.payload['identityVerificationId'] },
          },
          status,
          scope: 'verification',
        });
      });

      it("never gives the verdict to the IDV, whose own events alone set the IDV's status", () => {
        for (const name of FIXTURE_NAMES) {
          const { body } = readFixture(name);
          const type = String(readKey(parseJson(body), 'type'));
          for (const draft of ondato.normalize(delivery(parseJson(body), body))) {
            if (draft.subject?.kind !== 'identityVerification') continue;
            expect(type, name).toMatch(/^(IdentityVerification|Idv)\./);
          }
        }
      });
    });

    it.each<[string, string]>([
      ['KybIdentification.Document.Created', 'documentId'],
      ['KybIdentification.Created', 'kybIdentificationId'],
      ['KycIdentification.Created', 'kycIdentificationId'],
      ['IdentityVerification.Consented', 'identityVerificationId'],
      ['Form.Created', 'formId'],
    ])('falls back to the resource id field for %s when the payload has no id', (type, field) => {
      const body = envelope();
      body['type'] = type;
      delete body.payload['id'];
      body.payload[field] = 'fallback-id';
      expect(normalizeOne(body).subject?.id).toBe('fallback-id');
    });

    it('names the parent of a KYB document, a KYC identification and a form when the payload does', () => {
      const doc = envelope('kyb-document-created');
      expect(normalizeOne(doc).subject?.parent).toEqual({
        kind: 'kybIdentification',
        id: doc.payload['kybIdentificationId'],
      });
      delete doc.payload['kybIdentificationId'];
      expect(normalizeOne(doc).subject).not.toHaveProperty('parent');
      expect(normalizeOne(envelope()).subject?.parent).toEqual({
        kind: 'identityVerification',
        id: envelope().payload['identityVerificationId'],
      });
    });

    it('omits the subject when the payload names no resource id, or the type no family', () => {
      const noId = envelope();
      delete noId.payload['id'];
      expect(normalizeOne(noId)).not.toHaveProperty('subject');
      const noFamily = envelope();
      noFamily['type'] = 'Something';
      expect(normalizeOne(noFamily)).not.toHaveProperty('subject');
    });

    it.each<[string, unknown, boolean]>([
      ['a PascalCase code', 'DocumentExpired', true],
      ['an upper snake code', 'FACE_NOT_MATCHED', true],
      ['a dotted code', 'document.expired', true],
      ['free text with spaces', 'Photo is blurry', false],
      ['a name and number', 'Jane Example 12', false],
      ['a document number', 'AB1234567', false],
      ['an e-mail address', 'jane@example.com', false],
      ['a very long word', 'A'.repeat(65), false],
      ['a number', 12, false],
      ['an object', { code: 'X' }, false],
    ])('keeps statusReason in vendorStatus only when it is a code: %s', (_case, reason, kept) => {
      const body = envelope('kyc-identification-rejected');
      body.payload['statusReason'] = reason;
      const { vendorStatus } = normalizeOne(body);
      expect(vendorStatus).toBe(
        `type=KycIdentification.Rejected status=Rejected${kept ? ` statusReason=${String(reason)}` : ''}`,
      );
    });

    it('drops a status word that is not code-shaped from vendorStatus', () => {
      const body = envelope();
      body.payload['status'] = 'Approved by Jane Example';
      expect(normalizeOne(body)).toMatchObject({
        status: 'approved',
        vendorStatus: 'type=KycIdentification.Approved',
      });
    });

    it('publishes an unknown type without a subject family as a vendor event', () => {
      expect(normalizeOne({ id: 'e', type: 'Ping', payload: { status: 'Approved' } })).toEqual({
        detailType: 'KYC Vendor Event',
        vendorEventType: 'Ping',
        status: 'approved',
        scope: 'other',
        vendorStatus: 'type=Ping status=Approved',
      });
    });

    it.each<[string, string]>([
      ['not JSON', 'not json'],
      ['empty', ''],
      ['a JSON array of an envelope', `[${VALID_BODY}]`],
      ['JSON null', 'null'],
      ['a JSON string', '"KycIdentification.Approved"'],
    ])(
      'publishes an accepted body that is %s as an unread vendor event, status unknown',
      (_case, body) => {
        expect(ondato.normalize(delivery(parseJson(body), body))).toEqual([UNREAD_VENDOR_EVENT]);
      },
    );

    it.each<[string, unknown]>([
      ['a payload that is a string', { type: 'KycIdentification.Approved', payload: 'x' }],
      ['a payload that is a list', { type: 'KycIdentification.Approved', payload: [{ id: 'x' }] }],
      ['a type that is not a string', { type: 7, payload: {} }],
      ['an empty type', { type: '  ', payload: {} }],
      ['a prototype key as type', { type: '__proto__', payload: { id: 'x' } }],
      ['a status that is an object', { type: 'X', payload: { status: { a: 1 } } }],
    ])('never throws on %s, and returns one draft', (_case, json) => {
      expectInVocabulary(normalizeOne(json));
    });

    it('reports an empty envelope as an unknown vendor event', () => {
      expect(normalizeOne({})).toEqual(UNREAD_VENDOR_EVENT);
    });
  });
});
