import { readFileSync } from 'node:fs';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { verifyAccessToken } from '../../lambdas/core/access-token.js';
import { parseBaseCredentials } from '../../lambdas/core/credentials.js';
import { ConfigurationError } from '../../lambdas/core/errors.js';
import type { SecretSource } from '../../lambdas/core/ports.js';
import { safeEqual } from '../../lambdas/core/secure-compare.js';
import {
  issueToken,
  MAX_TOKEN_REQUEST_BYTES,
  readTokenTtl,
  type TokenRequest,
  type TokenResult,
} from '../../lambdas/token/issue-token.js';
import { createTokenHandler } from '../../lambdas/token/token-handler.js';
import { ONDATO_TOKEN_AUDIENCE, ondato } from '../../lambdas/vendors/ondato.js';
import { apiGatewayEvent } from '../support/api-gateway.js';
import { StaticSecretSource } from '../support/memory-ports.js';

// Counts the constant-time comparisons of client credentials; spied, they keep their results.
vi.mock('../../lambdas/core/secure-compare.js', { spy: true });
beforeEach(() => {
  vi.mocked(safeEqual).mockClear();
});

const FIXTURES = new URL('../fixtures/ondato/', import.meta.url);
const SECRET = JSON.parse(readFileSync(new URL('credentials.json', FIXTURES), 'utf8')) as {
  authorization: string[];
  oauthClients: { clientId: string; clientSecret: string }[];
  tokenSigningKeys: string[];
  allowedIps: string[];
};
const CLIENT = SECRET.oauthClients[0]!;
const SIGNING_KEY = SECRET.tokenSigningKeys[0]!;
const NOW = new Date('2026-06-01T12:00:00.000Z');
const ALLOWED_IP = '203.0.113.10';
const FORM = 'application/x-www-form-urlencoded';
const TTL = 300;

/** Client ids and secrets with characters that RFC 6749 §2.3.1 makes the client url-encode. */
const SPECIAL = { clientId: 'ondato:client/é 1', clientSecret: 's3cr+t/=:%&?é ~x' };
/** Unencoded Basic cannot carry a `:` in the id, so the raw reading is tried with this one. */
const RAW = { clientId: 'ondato-raw/é', clientSecret: SPECIAL.clientSecret };

const form = (params: Record<string, string>) => new URLSearchParams(params).toString();
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
const urlencode = (value: string) => new URLSearchParams({ v: value }).toString().slice(2);
const basicEncoded = (id: string, secret: string) => basic(urlencode(id), urlencode(secret));

const GRANT = { grant_type: 'client_credentials' };
const BODY_AUTH = { ...GRANT, client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret };

function request(overrides: Partial<TokenRequest> & { params?: Record<string, string> } = {}) {
  const { params = BODY_AUTH, ...rest } = overrides;
  return {
    method: 'POST',
    headers: { 'content-type': FORM },
    body: form(params),
    isBase64Encoded: false,
    sourceIp: ALLOWED_IP,
    now: NOW,
    ...rest,
  } satisfies TokenRequest;
}

function deps(secret: unknown = SECRET, ttlSeconds = TTL) {
  return { secrets: new StaticSecretSource({ ondato: secret }), ttlSeconds };
}

async function run(
  overrides: Parameters<typeof request>[0] = {},
  secret: unknown = SECRET,
): Promise<TokenResult> {
  return issueToken(request(overrides), deps(secret));
}

function bodyOf(result: TokenResult): Record<string, unknown> {
  return JSON.parse(result.answer.body) as Record<string, unknown>;
}

function accessTokenOf(result: TokenResult): string {
  return String(bodyOf(result)['access_token']);
}

const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

describe('token endpoint', () => {
  describe('issues a token', () => {
    it.each<[string, Parameters<typeof request>[0], 'basic' | 'body']>([
      ['with client_id/client_secret in the body', {}, 'body'],
      [
        'with HTTP Basic',
        {
          params: GRANT,
          headers: {
            'content-type': FORM,
            authorization: basic(CLIENT.clientId, CLIENT.clientSecret),
          },
        },
        'basic',
      ],
      [
        'with a lower-case basic scheme and header names in any case',
        {
          params: GRANT,
          headers: {
            'Content-Type': FORM,
            Authorization: `basic ${basic(CLIENT.clientId, CLIENT.clientSecret).slice(6)}`,
          },
        },
        'basic',
      ],
      [
        'with Basic and the same client_id in the body',
        {
          params: { ...GRANT, client_id: CLIENT.clientId },
          headers: {
            'content-type': FORM,
            authorization: basic(CLIENT.clientId, CLIENT.clientSecret),
          },
        },
        'basic',
      ],
      [
        'with a charset on the content type',
        { headers: { 'content-type': `${FORM}; charset=UTF-8` } },
        'body',
      ],
      [
        'with an upper-case content type',
        { headers: { 'content-type': FORM.toUpperCase() } },
        'body',
      ],
      [
        'from a base64-encoded body (as HTTP APIs pass forms)',
        { body: Buffer.from(form(BODY_AUTH)).toString('base64'), isBase64Encoded: true },
        'body',
      ],
      [
        'with a scope, which is ignored',
        { params: { ...BODY_AUTH, scope: 'webhooks read' } },
        'body',
      ],
    ])('%s', async (_case, overrides, authMethod) => {
      const result = await run(overrides);
      expect(result.answer.statusCode).toBe(200);
      expect(result.answer.headers).toMatchObject({
        ...NO_STORE,
        'content-type': 'application/json;charset=UTF-8',
      });
      expect(result.answer.headers).not.toHaveProperty('www-authenticate');
      expect(bodyOf(result)).toEqual({
        access_token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
        token_type: 'Bearer',
        expires_in: TTL,
      });
      expect(result.outcome).toMatchObject({ result: 'issued', authMethod, clientIndex: 0 });
    });

    it('answers without a scope, and notes the ignored scope in the outcome only', async () => {
      const result = await run({ params: { ...BODY_AUTH, scope: 'anything' } });
      expect(bodyOf(result)).not.toHaveProperty('scope');
      expect(result.outcome.scopeIgnored).toBe(true);
      expect((await run()).outcome).not.toHaveProperty('scopeIgnored');
    });

    it('issues a token that ondato.verify accepts as a Bearer on the webhook route', async () => {
      const accessToken = accessTokenOf(await run());
      const body = readFileSync(new URL('kyc-identification-approved.json', FIXTURES), 'utf8');
      const credentials = ondato.parseCredentials(SECRET, parseBaseCredentials(SECRET, 'ondato'));
      const verify = (authorization: string, now: Date) =>
        ondato.verify(
          {
            route: '/webhooks/ondato',
            body,
            headers: { authorization },
            sourceIp: ALLOWED_IP,
            now,
          },
          credentials,
        );
      expect(verify(`Bearer ${accessToken}`, new Date(NOW.getTime() + 60_000))).toMatchObject({
        ok: true,
      });
      // After its lifetime (and the skew allowance) the same token is refused, as expired.
      expect(verify(`Bearer ${accessToken}`, new Date(NOW.getTime() + 3_600_000))).toEqual({
        ok: false,
        reason: 'expired_token',
      });
    });

    it('issues tokens that stop working on the webhook route once their client is removed', async () => {
      const next = { clientId: 'ondato-next', clientSecret: 'not-a-real-client-secret-next' };
      const rotating = { ...SECRET, oauthClients: [CLIENT, next] };
      const oldToken = accessTokenOf(await run({}, rotating));
      const newToken = accessTokenOf(
        await run(
          { params: { ...GRANT, client_id: next.clientId, client_secret: next.clientSecret } },
          rotating,
        ),
      );
      const body = readFileSync(new URL('kyc-identification-approved.json', FIXTURES), 'utf8');
      const verifyWith = (secret: typeof SECRET, token: string) =>
        ondato.verify(
          {
            route: '/webhooks/ondato',
            body,
            headers: { authorization: `Bearer ${token}` },
            sourceIp: ALLOWED_IP,
            now: new Date(NOW.getTime() + 60_000),
          },
          ondato.parseCredentials(secret, parseBaseCredentials(secret, 'ondato')),
        );
      expect(verifyWith(rotating, oldToken)).toMatchObject({ ok: true });
      expect(verifyWith(rotating, newToken)).toMatchObject({ ok: true });
      // The old client is removed: its token, still inside its lifetime, is refused at once.
      const rotated = { ...SECRET, oauthClients: [next] };
      expect(verifyWith(rotated, oldToken)).toEqual({ ok: false, reason: 'revoked_client' });
      expect(verifyWith(rotated, newToken)).toMatchObject({ ok: true });
      // And the endpoint no longer issues it one.
      expect((await run({}, rotated)).outcome).toMatchObject({
        result: 'refused',
        reason: 'unknown_client',
      });
    });

    it('signs with the first key, names the client as sub and lives for the configured TTL', async () => {
      const result = await issueToken(request(), deps(SECRET, 60));
      expect(bodyOf(result)['expires_in']).toBe(60);
      const token = accessTokenOf(result);
      const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString());
      expect(claims).toMatchObject({
        sub: CLIENT.clientId,
        aud: ONDATO_TOKEN_AUDIENCE,
        exp: NOW.getTime() / 1000 + 60,
      });
      const check = (keys: string[]) =>
        verifyAccessToken(token, { audience: ONDATO_TOKEN_AUDIENCE, now: NOW, keys });
      expect(check([SIGNING_KEY])).toBe('valid');
      const rotated = {
        ...SECRET,
        tokenSigningKeys: ['a-new-signing-key-for-the-rotation-0001', SIGNING_KEY],
      };
      const next = accessTokenOf(await run({}, rotated));
      expect(
        verifyAccessToken(next, { audience: ONDATO_TOKEN_AUDIENCE, now: NOW, keys: [SIGNING_KEY] }),
      ).toBe('invalid');
      expect(
        verifyAccessToken(next, {
          audience: ONDATO_TOKEN_AUDIENCE,
          now: NOW,
          keys: rotated.tokenSigningKeys,
        }),
      ).toBe('valid');
    });

    describe('special characters in the client id and secret', () => {
      const secret = { ...SECRET, oauthClients: [SPECIAL, RAW] };
      it.each<[string, Parameters<typeof request>[0]]>([
        [
          'url-encoded in Basic (RFC 6749 §2.3.1)',
          {
            params: GRANT,
            headers: {
              'content-type': FORM,
              authorization: basicEncoded(SPECIAL.clientId, SPECIAL.clientSecret),
            },
          },
        ],
        [
          'raw in Basic (clients that skip the encoding)',
          {
            params: GRANT,
            headers: {
              'content-type': FORM,
              authorization: basic(RAW.clientId, RAW.clientSecret),
            },
          },
        ],
        [
          'form-encoded in the body',
          {
            params: { ...GRANT, client_id: SPECIAL.clientId, client_secret: SPECIAL.clientSecret },
          },
        ],
      ])('accepts them %s', async (_case, overrides) => {
        const result = await run(overrides, secret);
        expect(result.answer.statusCode).toBe(200);
      });

      it('refuses a near miss', async () => {
        const wrong = basicEncoded(SPECIAL.clientId, SPECIAL.clientSecret.replace('+', ' '));
        const result = await run(
          { params: GRANT, headers: { 'content-type': FORM, authorization: wrong } },
          secret,
        );
        expect(result.answer.statusCode).toBe(401);
      });
    });

    it.each([
      ['the first', 0],
      ['the last', 2],
      ['no', -1],
    ])(
      'compares id and secret with every configured client when %s entry matches',
      async (_case, position) => {
        const clients = [0, 1, 2].map((i) => ({
          clientId: `client-${i}`,
          clientSecret: `secret-${i}`,
        }));
        const presented = clients[position] ?? { clientId: 'client-9', clientSecret: 'secret-9' };
        const result = await run(
          {
            params: {
              ...GRANT,
              client_id: presented.clientId,
              client_secret: presented.clientSecret,
            },
          },
          { ...SECRET, oauthClients: clients },
        );
        expect(result.answer.statusCode).toBe(position < 0 ? 401 : 200);
        expect(safeEqual).toHaveBeenCalledTimes(2 * clients.length);
      },
    );

    it('accepts either secret of a client during a rotation, and says which entry matched', async () => {
      const secret = {
        ...SECRET,
        oauthClients: [
          { clientId: CLIENT.clientId, clientSecret: 'the-new-client-secret' },
          CLIENT,
        ],
      };
      expect((await run({}, secret)).outcome).toMatchObject({ result: 'issued', clientIndex: 1 });
      const newer = await run(
        { params: { ...BODY_AUTH, client_secret: 'the-new-client-secret' } },
        secret,
      );
      expect(newer.outcome).toMatchObject({ result: 'issued', clientIndex: 0 });
    });
  });

  describe('refuses', () => {
    const withBasic = (authorization: string, params: Record<string, string> = GRANT) => ({
      params,
      headers: { 'content-type': FORM, authorization },
    });
    const GOOD_BASIC = basic(CLIENT.clientId, CLIENT.clientSecret);

    it.each<[string, Parameters<typeof request>[0], number, string, string, boolean]>([
      // [case, request, status, error, reason, WWW-Authenticate]
      [
        'Basic and client_secret in the body at once',
        withBasic(GOOD_BASIC, BODY_AUTH),
        400,
        'invalid_request',
        'multiple_client_authentication',
        false,
      ],
      [
        'Basic and another client_id in the body',
        withBasic(GOOD_BASIC, { ...GRANT, client_id: 'other' }),
        400,
        'invalid_request',
        'multiple_client_authentication',
        false,
      ],
      [
        'a Bearer header and client_secret in the body',
        withBasic('Bearer x', BODY_AUTH),
        400,
        'invalid_request',
        'multiple_client_authentication',
        false,
      ],
      [
        'a wrong secret in the body',
        { params: { ...BODY_AUTH, client_secret: 'wrong-secret-value' } },
        401,
        'invalid_client',
        'wrong_client_secret',
        false,
      ],
      [
        'an unknown client in the body',
        { params: { ...BODY_AUTH, client_id: 'nobody' } },
        401,
        'invalid_client',
        'unknown_client',
        false,
      ],
      [
        'a wrong secret with Basic',
        withBasic(basic(CLIENT.clientId, 'wrong-secret-value')),
        401,
        'invalid_client',
        'wrong_client_secret',
        true,
      ],
      [
        'an unknown client with Basic',
        withBasic(basic('nobody', CLIENT.clientSecret)),
        401,
        'invalid_client',
        'unknown_client',
        true,
      ],
      [
        'the secret with a different case',
        withBasic(basic(CLIENT.clientId, CLIENT.clientSecret.toUpperCase())),
        401,
        'invalid_client',
        'wrong_client_secret',
        true,
      ],
      [
        'Basic without a colon',
        withBasic(`Basic ${Buffer.from('nocolon').toString('base64')}`),
        401,
        'invalid_client',
        'malformed_basic_credentials',
        true,
      ],
      [
        'Basic that is not base64',
        withBasic('Basic ***'),
        401,
        'invalid_client',
        'malformed_basic_credentials',
        true,
      ],
      [
        'Basic with an empty pair',
        withBasic(`Basic ${Buffer.from(':').toString('base64')}`),
        401,
        'invalid_client',
        'malformed_basic_credentials',
        true,
      ],
      [
        'Basic without a token',
        withBasic('Basic'),
        401,
        'invalid_client',
        'malformed_basic_credentials',
        true,
      ],
      [
        'a Bearer header',
        withBasic('Bearer abc'),
        401,
        'invalid_client',
        'unsupported_authorization_scheme',
        true,
      ],
      [
        'no client credentials at all',
        { params: GRANT },
        401,
        'invalid_client',
        'missing_client_credentials',
        false,
      ],
      [
        'client_id without client_secret',
        { params: { ...GRANT, client_id: CLIENT.clientId } },
        401,
        'invalid_client',
        'missing_client_credentials',
        false,
      ],
      [
        'client_secret without client_id',
        { params: { ...GRANT, client_secret: CLIENT.clientSecret } },
        400,
        'invalid_request',
        'missing_client_id',
        false,
      ],
      [
        'an empty client_secret',
        { params: { ...BODY_AUTH, client_secret: '' } },
        401,
        'invalid_client',
        'missing_client_credentials',
        false,
      ],
      [
        'no grant_type',
        { params: { client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret } },
        400,
        'invalid_request',
        'missing_grant_type',
        false,
      ],
      [
        'an empty grant_type',
        { params: { ...BODY_AUTH, grant_type: '' } },
        400,
        'invalid_request',
        'missing_grant_type',
        false,
      ],
      [
        'grant_type password',
        { params: { ...BODY_AUTH, grant_type: 'password' } },
        400,
        'unsupported_grant_type',
        'unsupported_grant_type',
        false,
      ],
      [
        'grant_type authorization_code',
        { params: { ...BODY_AUTH, grant_type: 'authorization_code' } },
        400,
        'unsupported_grant_type',
        'unsupported_grant_type',
        false,
      ],
      [
        'grant_type in another case',
        { params: { ...BODY_AUTH, grant_type: 'Client_Credentials' } },
        400,
        'unsupported_grant_type',
        'unsupported_grant_type',
        false,
      ],
      [
        'a repeated grant_type',
        { body: `${form(BODY_AUTH)}&grant_type=client_credentials` },
        400,
        'invalid_request',
        'repeated_parameter',
        false,
      ],
      [
        'a repeated client_secret',
        { body: `${form(BODY_AUTH)}&client_secret=x` },
        400,
        'invalid_request',
        'repeated_parameter',
        false,
      ],
      [
        'a JSON body',
        { headers: { 'content-type': 'application/json' }, body: JSON.stringify(BODY_AUTH) },
        400,
        'invalid_request',
        'unsupported_content_type',
        false,
      ],
      [
        'no content type',
        { headers: {} },
        400,
        'invalid_request',
        'unsupported_content_type',
        false,
      ],
      [
        'multipart form data',
        { headers: { 'content-type': 'multipart/form-data; boundary=x' } },
        400,
        'invalid_request',
        'unsupported_content_type',
        false,
      ],
      [
        'a body over the limit',
        { body: `${form(BODY_AUTH)}&pad=${'x'.repeat(MAX_TOKEN_REQUEST_BYTES)}` },
        400,
        'invalid_request',
        'body_too_large',
        false,
      ],
      [
        'a body that is not UTF-8',
        { body: Buffer.from([0x67, 0xff, 0xfe]).toString('base64'), isBase64Encoded: true },
        400,
        'invalid_request',
        'body_not_utf8',
        false,
      ],
      ['a GET', { method: 'GET' }, 400, 'invalid_request', 'method_not_allowed', false],
    ])('%s', async (_case, overrides, status, error, reason, challenge) => {
      const result = await run(overrides);
      expect(result.answer.statusCode).toBe(status);
      expect(bodyOf(result)).toEqual({ error });
      expect(result.outcome).toMatchObject({ result: 'refused', reason });
      expect(result.answer.headers).toMatchObject(NO_STORE);
      if (challenge) expect(result.answer.headers['www-authenticate']).toMatch(/^Basic realm=/);
      else expect(result.answer.headers).not.toHaveProperty('www-authenticate');
      // Neither the secrets nor the presented values are ever echoed.
      for (const value of [
        CLIENT.clientId,
        CLIENT.clientSecret,
        SIGNING_KEY,
        'nobody',
        'wrong-secret-value',
      ]) {
        expect(result.answer.body).not.toContain(value);
        expect(JSON.stringify(result.outcome)).not.toContain(value);
      }
    });

    it('a client when no oauthClients are configured (Basic-only deployment)', async () => {
      const result = await run(
        {},
        { authorization: SECRET.authorization, allowedIps: SECRET.allowedIps },
      );
      expect(result.answer.statusCode).toBe(401);
      expect(result.outcome).toMatchObject({ reason: 'no_clients_configured' });
    });

    it.each<[string, string, unknown, number]>([
      ['outside the secret allow-list', '198.51.100.7', SECRET, 403],
      ['inside the secret allow-list', '203.0.113.99', SECRET, 200],
      ['an IPv4-mapped address inside it', '::ffff:203.0.113.99', SECRET, 200],
      [
        "one of Ondato's addresses, with the default list",
        '20.76.229.117',
        { ...SECRET, allowedIps: undefined },
        200,
      ],
      [
        'any other address, with the default list',
        '203.0.113.10',
        { ...SECRET, allowedIps: undefined },
        403,
      ],
      ['anyone, with an empty list', '20.76.229.117', { ...SECRET, allowedIps: [] }, 403],
    ])('checks the source address: %s (%s)', async (_case, sourceIp, secret, status) => {
      const result = await run({ sourceIp }, secret);
      expect(result.answer.statusCode).toBe(status);
      if (status === 403) {
        expect(result.outcome).toEqual({ result: 'refused', reason: 'ip_not_allowed' });
        expect(result.answer.headers).toMatchObject(NO_STORE);
      }
    });

    it('checks the address before it reads the request', async () => {
      const result = await run({ sourceIp: '198.51.100.7', params: { grant_type: 'password' } });
      expect(result.answer.statusCode).toBe(403);
    });
  });

  describe('fails with 503 when it cannot read its configuration', () => {
    it('when the secret is unavailable', async () => {
      const secrets: SecretSource = { get: () => Promise.reject(new Error('throttled')) };
      const result = await issueToken(request(), { secrets, ttlSeconds: TTL });
      expect(result.answer.statusCode).toBe(503);
      expect(result.answer.headers).toMatchObject(NO_STORE);
      expect(result.outcome).toMatchObject({ result: 'failed', reason: 'secret_unavailable' });
    });

    it.each<[string, unknown]>([
      ['not an object', 'text'],
      ['clients without a signing key', { oauthClients: SECRET.oauthClients }],
      ['a short signing key', { ...SECRET, tokenSigningKeys: ['short'] }],
      ['a bad allow-list entry', { ...SECRET, allowedIps: ['not-an-ip'] }],
    ])('when the secret is %s', async (_case, secret) => {
      const result = await run({}, secret);
      expect(result.answer.statusCode).toBe(503);
      expect(result.outcome).toMatchObject({ result: 'failed', reason: 'configuration_error' });
      expect(result.answer.body).not.toContain('short');
    });
  });

  describe('readTokenTtl', () => {
    it.each([[1], [300], [3600]])('accepts %i seconds', (seconds) => {
      expect(readTokenTtl(seconds)).toBe(seconds);
    });

    it.each([[0], [-5], [1.5], [3601], [Number.NaN]])('refuses %s seconds', (seconds) => {
      expect(() => readTokenTtl(seconds)).toThrow(ConfigurationError);
    });
  });

  describe('createTokenHandler', () => {
    const log = () => ({ info: vi.fn(), warn: vi.fn(), error: vi.fn() });

    /** A token request through API Gateway, its form base64-encoded as API Gateway passes it. */
    function apiEvent(sourceIp = ALLOWED_IP): APIGatewayProxyEventV2 {
      return apiGatewayEvent({
        path: '/oauth/ondato/token',
        headers: { 'content-type': FORM },
        body: Buffer.from(form(BODY_AUTH)).toString('base64'),
        isBase64Encoded: true,
        sourceIp,
        requestId: 'req-1',
      });
    }

    it('maps an API Gateway event to a token answer and logs reason codes only', async () => {
      const logger = log();
      const handler = createTokenHandler({ ...deps(), log: logger, now: () => NOW });
      const response = await handler(apiEvent());
      expect(response.statusCode).toBe(200);
      expect(response.headers).toMatchObject(NO_STORE);
      expect(logger.info).toHaveBeenCalledWith('token issued', {
        requestId: 'req-1',
        authMethod: 'body',
        clientIndex: 0,
      });
      const logged = JSON.stringify(logger.info.mock.calls);
      for (const value of [
        CLIENT.clientId,
        CLIENT.clientSecret,
        String(JSON.parse(String(response.body))['access_token']),
      ]) {
        expect(logged).not.toContain(value);
      }
    });

    it('logs a refusal as a warning with its reason', async () => {
      const logger = log();
      const handler = createTokenHandler({ ...deps(), log: logger, now: () => NOW });
      const response = await handler(apiEvent('198.51.100.7'));
      expect(response.statusCode).toBe(403);
      expect(logger.warn).toHaveBeenCalledWith('token refused', {
        requestId: 'req-1',
        reason: 'ip_not_allowed',
      });
    });

    it('answers 503 and logs the error when something unexpected throws', async () => {
      const logger = log();
      const secrets: SecretSource = {
        get: () => Promise.resolve({ ...SECRET }),
      };
      // A lifetime that issueAccessToken refuses stands for a defect past the checks.
      const handler = createTokenHandler({ secrets, ttlSeconds: 0, log: logger, now: () => NOW });
      const response = await handler(apiEvent());
      expect(response.statusCode).toBe(503);
      expect(response.headers).toMatchObject(NO_STORE);
      expect(logger.error).toHaveBeenCalledWith('token not issued: unexpected error', {
        requestId: 'req-1',
        error: expect.stringMatching(/^ConfigurationError: /),
      });
    });
  });
});
