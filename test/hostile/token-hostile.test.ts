import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { verifyAccessToken } from '../../lambdas/core/access-token.js';
import {
  issueToken,
  MAX_TOKEN_REQUEST_BYTES,
  TOKEN_PATH,
  type TokenRequest,
} from '../../lambdas/token/issue-token.js';
import { createTokenHandler } from '../../lambdas/token/token-handler.js';
import { ONDATO_TOKEN_AUDIENCE } from '../../lambdas/vendors/ondato.js';
import { apiGatewayEvent } from '../support/api-gateway.js';
import { StaticSecretSource } from '../support/memory-ports.js';
import { fixtureSecret, NOW, preview, runsFor, SOURCE_IP, suiteTally } from './hostile-support.js';
import { HOSTILE_KEYS, INVALID_UTF8 } from './mutations.js';

/**
 * Hostile requests to Ondato's OAuth2 token endpoint (`issueToken` and its Lambda handler).
 *
 * Genuine, for this endpoint: a `POST` from an allowed address, form-encoded, asking once for
 * `grant_type=client_credentials`, that authenticates a configured client (id and secret) by
 * exactly one method — a Basic header (id and secret url-encoded or raw) or `client_id` /
 * `client_secret` in the body — and repeats no parameter. The properties: a token is issued
 * exactly for genuine requests (and verifies as ours); nothing else gets a 2xx; nothing throws,
 * answers 500 or 503; no answer echoes a secret.
 */

const RUNS = runsFor(1500);
const FORM = 'application/x-www-form-urlencoded';
const SECRET = fixtureSecret('ondato');
const [CLIENT] = SECRET['oauthClients'] as { clientId: string; clientSecret: string }[];
const KEYS = SECRET['tokenSigningKeys'] as string[];
const tally = suiteTally('hostile token');

if (CLIENT === undefined) throw new Error('the Ondato fixture credentials list no OAuth client');

const base64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
const basic = (id: string, secret: string): string => `Basic ${base64(`${id}:${secret}`)}`;

/* ------------------------------------------------------------------------ dimensions */

/** Picks a passing value three times in four, so genuine requests are common enough to matter. */
function mostly<T>(values: readonly T[], passes: (value: T) => boolean): fc.Arbitrary<T> {
  const good = values.filter(passes);
  const bad = values.filter((value) => !passes(value));
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...good) },
    { weight: 1, arbitrary: fc.constantFrom(...bad) },
  );
}

/** How the client authenticates, and whether that authenticates a configured client. */
interface Credentials {
  readonly label: string;
  readonly header?: string;
  readonly params: readonly (readonly [string, string])[];
  /** Authenticates a configured client by exactly one method. */
  readonly genuine: boolean;
}

const credentials: fc.Arbitrary<Credentials> = fc.oneof(
  mostly<Credentials>(
    [
      {
        label: 'Basic',
        header: basic(CLIENT.clientId, CLIENT.clientSecret),
        params: [],
        genuine: true,
      },
      {
        label: 'basic, scheme in lower case',
        header: `basic ${base64(`${CLIENT.clientId}:${CLIENT.clientSecret}`)}`,
        params: [],
        genuine: true,
      },
      {
        label: 'Basic and the same client_id in the body',
        header: basic(CLIENT.clientId, CLIENT.clientSecret),
        params: [['client_id', CLIENT.clientId]],
        genuine: true,
      },
      {
        label: 'body',
        params: [
          ['client_id', CLIENT.clientId],
          ['client_secret', CLIENT.clientSecret],
        ],
        genuine: true,
      },
      {
        label: 'Basic and a body secret (two methods)',
        header: basic(CLIENT.clientId, CLIENT.clientSecret),
        params: [['client_secret', CLIENT.clientSecret]],
        genuine: false,
      },
      {
        label: 'Basic and another client_id in the body',
        header: basic(CLIENT.clientId, CLIENT.clientSecret),
        params: [['client_id', 'someone-else']],
        genuine: false,
      },
      { label: 'none', params: [], genuine: false },
      {
        label: 'Basic, wrong secret',
        header: basic(CLIENT.clientId, 'wrong'),
        params: [],
        genuine: false,
      },
      {
        label: 'Basic, unknown client',
        header: basic('nobody', CLIENT.clientSecret),
        params: [],
        genuine: false,
      },
      {
        label: 'Basic, empty secret',
        header: basic(CLIENT.clientId, ''),
        params: [],
        genuine: false,
      },
      {
        label: 'Basic, no colon',
        header: `Basic ${base64(CLIENT.clientId)}`,
        params: [],
        genuine: false,
      },
      { label: 'Basic, not base64', header: 'Basic !!!!', params: [], genuine: false },
      { label: 'Basic, nothing', header: 'Basic', params: [], genuine: false },
      {
        label: 'the webhook Basic credential',
        header: (SECRET['authorization'] as string[])[0] ?? 'Basic x',
        params: [],
        genuine: false,
      },
      { label: 'Bearer', header: `Bearer ${CLIENT.clientSecret}`, params: [], genuine: false },
      {
        label: 'Digest',
        header: `Digest ${base64(`${CLIENT.clientId}:${CLIENT.clientSecret}`)}`,
        params: [],
        genuine: false,
      },
      {
        label: 'body, wrong secret',
        params: [
          ['client_id', CLIENT.clientId],
          ['client_secret', `${CLIENT.clientSecret}x`],
        ],
        genuine: false,
      },
      {
        label: 'body, secret only',
        params: [['client_secret', CLIENT.clientSecret]],
        genuine: false,
      },
      { label: 'body, id only', params: [['client_id', CLIENT.clientId]], genuine: false },
      {
        label: 'body, secret in another case',
        params: [
          ['client_id', CLIENT.clientId],
          ['client_secret', CLIENT.clientSecret.toUpperCase()],
        ],
        genuine: CLIENT.clientSecret.toUpperCase() === CLIENT.clientSecret,
      },
    ],
    (entry) => entry.genuine,
  ),
  fc.tuple(fc.nat(), fc.nat({ max: 5 })).map(([at, bit]): Credentials => {
    const good = basic(CLIENT.clientId, CLIENT.clientSecret);
    const i = 6 + (at % (good.length - 6));
    const damaged =
      good.slice(0, i) + String.fromCharCode(good.charCodeAt(i) ^ (1 << bit)) + good.slice(i + 1);
    // A flip that base64 decodes to the same bytes would still be genuine; the decoder refuses
    // non-canonical base64, so only an unchanged header is.
    return {
      label: `Basic char ${i} flipped`,
      header: damaged,
      params: [],
      genuine: damaged === good,
    };
  }),
);

interface Grant {
  readonly label: string;
  readonly params: readonly (readonly [string, string])[];
  readonly ok: boolean;
}

const grant: fc.Arbitrary<Grant> = mostly<Grant>(
  [
    { label: 'client_credentials', params: [['grant_type', 'client_credentials']], ok: true },
    { label: 'password', params: [['grant_type', 'password']], ok: false },
    { label: 'upper case', params: [['grant_type', 'CLIENT_CREDENTIALS']], ok: false },
    { label: 'missing', params: [], ok: false },
    { label: 'empty', params: [['grant_type', '']], ok: false },
    {
      label: 'repeated',
      params: [
        ['grant_type', 'client_credentials'],
        ['grant_type', 'client_credentials'],
      ],
      ok: false,
    },
  ],
  (entry) => entry.ok,
);

/** Extra parameters: ignored ones, prototype names, and a repeated `scope` (refused). */
const extras = fc.array(
  fc.tuple(
    fc.oneof(
      fc.constantFrom(...HOSTILE_KEYS, 'scope', 'audience', 'resource'),
      fc.string({ maxLength: 8 }),
    ),
    fc.string({ maxLength: 20 }),
  ),
  { maxLength: 4 },
);

const SINGLE = ['grant_type', 'client_id', 'client_secret', 'scope'];

/** Whether the parameters, as `URLSearchParams` reads them, repeat one that may appear once. */
function repeatsSingle(body: string): boolean {
  const params = new URLSearchParams(body);
  return SINGLE.some((name) => params.getAll(name).length > 1);
}

const CONTENT_TYPES: readonly (readonly [string | undefined, boolean])[] = [
  [FORM, true],
  [`${FORM}; charset=UTF-8`, true],
  ['APPLICATION/X-WWW-FORM-URLENCODED', true],
  ['application/json', false],
  ['text/plain', false],
  ['multipart/form-data; boundary=x', false],
  ['', false],
  [undefined, false],
];

const METHODS: readonly (readonly [string, boolean])[] = [
  ['POST', true],
  ['post', true],
  ['GET', false],
  ['PUT', false],
  ['', false],
];

const SOURCES: readonly (readonly [string, boolean])[] = [
  [SOURCE_IP, true],
  ['::ffff:203.0.113.77', true],
  ['198.51.100.1', false],
  ['garbage', false],
];

/* ------------------------------------------------------------------------------ plumbing */

interface Answer {
  readonly status: number;
  readonly body: string;
  readonly crash?: string;
}

async function send(request: TokenRequest, viaHandler: boolean): Promise<Answer> {
  const deps = { secrets: new StaticSecretSource({ ondato: SECRET }), ttlSeconds: 300 };
  if (!viaHandler) {
    try {
      const { answer, outcome } = await issueToken(request, deps);
      return {
        status: answer.statusCode,
        body: answer.body,
        ...(outcome.result === 'failed' && { crash: `failed: ${String(outcome.reason)}` }),
      };
    } catch (error) {
      return { status: 0, body: '', crash: String(error) };
    }
  }
  let crash: string | undefined;
  const handler = createTokenHandler({
    ...deps,
    now: () => request.now,
    log: {
      info: () => undefined,
      warn: () => undefined,
      error: (message, attributes) => {
        crash = `${message}: ${String(attributes['error'])}`;
      },
    },
  });
  try {
    const result = await handler(
      apiGatewayEvent({
        path: TOKEN_PATH,
        headers: request.headers as Record<string, string>,
        body: request.body,
        isBase64Encoded: request.isBase64Encoded,
        method: request.method,
        sourceIp: request.sourceIp,
        requestId: 'req-token',
      }),
    );
    return { status: result.statusCode ?? 0, body: result.body ?? '', ...(crash && { crash }) };
  } catch (error) {
    return { status: 0, body: '', crash: String(error) };
  }
}

function judge(answer: Answer, genuine: boolean, exact: boolean): void {
  const issued = answer.status === 200;
  const serverError = answer.crash !== undefined || answer.status >= 500 || answer.status === 0;
  tally.record('ondato token endpoint', {
    accepted: issued,
    forgery: issued && !genuine,
    serverError,
  });
  expect(answer.crash).toBeUndefined();
  expect([200, 400, 401, 403]).toContain(answer.status);
  if (issued) {
    expect(genuine, 'a token for a request that is not genuine').toBe(true);
    const { access_token: token } = JSON.parse(answer.body) as { access_token: string };
    // Ours, for the Ondato route, and for the one configured client (not revoked).
    expect(
      verifyAccessToken(token, {
        audience: ONDATO_TOKEN_AUDIENCE,
        now: NOW,
        keys: KEYS,
        clients: [CLIENT?.clientId ?? ''],
      }),
    ).toBe('valid');
    expect(
      verifyAccessToken(token, {
        audience: ONDATO_TOKEN_AUDIENCE,
        now: NOW,
        keys: KEYS,
        clients: [],
      }),
    ).toBe('revoked');
  } else {
    if (exact) expect(genuine, 'a genuine request was refused').toBe(false);
    expect(answer.body).not.toContain(CLIENT?.clientSecret);
    expect(answer.body).not.toContain('access_token');
  }
}

/* ------------------------------------------------------------------------------ suites */

describe('hostile token endpoint', () => {
  it('issues a token exactly for genuine requests', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          credentials,
          grant,
          extras,
          order: fc.boolean(),
          contentType: mostly(CONTENT_TYPES, ([, ok]) => ok),
          method: mostly(METHODS, ([, ok]) => ok),
          source: mostly(SOURCES, ([, ok]) => ok),
          headerName: fc.constantFrom('authorization', 'Authorization', 'AUTHORIZATION'),
          base64: fc.boolean(),
          padTo: fc.option(
            fc.constantFrom(MAX_TOKEN_REQUEST_BYTES, MAX_TOKEN_REQUEST_BYTES + 1, 100_000),
            {
              nil: undefined,
            },
          ),
          viaHandler: fc.boolean(),
        }),
        async (c) => {
          const params = [...c.grant.params, ...c.credentials.params, ...c.extras];
          let body = new URLSearchParams(
            (c.order ? params : [...params].reverse()) as [string, string][],
          ).toString();
          if (c.padTo !== undefined) {
            const pad = '&pad=';
            body += pad + 'x'.repeat(Math.max(0, c.padTo - Buffer.byteLength(body) - pad.length));
          }
          const [contentType, typeOk] = c.contentType;
          const [method, methodOk] = c.method;
          const [sourceIp, sourceOk] = c.source;
          const request: TokenRequest = {
            method,
            headers: {
              ...(contentType !== undefined && { 'Content-Type': contentType }),
              ...(c.credentials.header !== undefined && { [c.headerName]: c.credentials.header }),
            },
            body: c.base64 ? base64(body) : body,
            isBase64Encoded: c.base64,
            sourceIp,
            now: NOW,
          };
          // Extras may add a `client_secret` or `client_id` by chance: then the oracle below
          // cannot know the outcome, and only the one-way property is checked.
          const extrasTouchCredentials = c.extras.some(([name]) => name.startsWith('client_'));
          const genuine =
            methodOk &&
            sourceOk &&
            typeOk &&
            c.grant.ok &&
            c.credentials.genuine &&
            !extrasTouchCredentials &&
            !repeatsSingle(body) &&
            Buffer.byteLength(body) <= MAX_TOKEN_REQUEST_BYTES;
          judge(await send(request, c.viaHandler), genuine, !extrasTouchCredentials);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('refuses random bytes, invalid UTF-8 and random text whatever the credentials', async () => {
    const body = fc.oneof(
      fc.uint8Array({ maxLength: 1024 }).map((bytes) => Buffer.from(bytes)),
      fc
        .constantFrom(...INVALID_UTF8)
        .map((bad) =>
          Buffer.concat([Buffer.from('grant_type=client_credentials&x='), Buffer.from(bad)]),
        ),
      fc.string({ unit: 'binary', maxLength: 300 }).map((text) => Buffer.from(text)),
    );
    await fc.assert(
      fc.asyncProperty(body, fc.boolean(), async (bytes, viaHandler) => {
        const request: TokenRequest = {
          method: 'POST',
          headers: { 'content-type': FORM },
          body: bytes.toString('base64'),
          isBase64Encoded: true,
          sourceIp: SOURCE_IP,
          now: NOW,
        };
        // No credential at all is presented, so nothing may be issued.
        judge(await send(request, viaHandler), false, false);
      }),
      { numRuns: Math.ceil(RUNS / 2) },
    );
  });

  it.each([
    [
      'Basic',
      { authorization: basic(CLIENT.clientId, CLIENT.clientSecret) },
      'grant_type=client_credentials',
    ],
    [
      'body',
      {},
      new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: CLIENT.clientId,
        client_secret: CLIENT.clientSecret,
      }).toString(),
    ],
  ])(
    'issues to a genuine %s request however its headers are spelled',
    async (_name, auth, body) => {
      for (const contentType of ['Content-Type', 'content-type', 'CONTENT-TYPE']) {
        const request: TokenRequest = {
          method: 'POST',
          headers: { [contentType]: `${FORM};charset=utf-8`, ...auth },
          body,
          isBase64Encoded: false,
          sourceIp: SOURCE_IP,
          now: NOW,
        };
        const answer = await send(request, true);
        judge(answer, true, true);
        expect(answer.status, preview(JSON.stringify(request.headers))).toBe(200);
      }
    },
  );
});
