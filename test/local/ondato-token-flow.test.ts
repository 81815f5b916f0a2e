import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { issueAccessToken } from '../../lambdas/core/access-token.js';
import { ONDATO_TOKEN_AUDIENCE } from '../../lambdas/vendors/ondato.js';
import { SECRETS_FILE, useTestPipeline } from '../support/local-pipeline.js';
import { publishedWithId, waitFor } from '../support/wait.js';

/**
 * Ondato as a client-credentials client would behave, over real HTTP: fetch a token from our
 * token endpoint, then deliver with it. The secrets file is a copy, so the test can take the
 * loopback addresses off Ondato's allow-list.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURE = readFileSync(
  join(ROOT, 'test/fixtures/ondato/kyc-identification-approved.json'),
  'utf8',
);

interface OndatoSecret {
  oauthClients: { clientId: string; clientSecret: string }[];
  tokenSigningKeys: string[];
  allowedIps?: string[];
}

/** A copy of the dev secrets file, in a folder of its own, which the tests edit. */
const dir = mkdtempSync(join(tmpdir(), 'kyc-ondato-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const secretsFile = join(dir, 'secrets.json');
copyFileSync(SECRETS_FILE, secretsFile);
const secrets = JSON.parse(readFileSync(secretsFile, 'utf8')) as Record<string, unknown>;
const ondatoSecret = secrets['ondato'] as OndatoSecret;

const used = useTestPipeline({ secretsFile });

const client = () => ondatoSecret.oauthClients[0] ?? { clientId: '', clientSecret: '' };

async function requestToken(
  authorization?: string,
  form?: Record<string, string>,
): Promise<Response> {
  return fetch(used.pipeline.urls.ondatoToken ?? '', {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(authorization && { authorization }),
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...form }).toString(),
  });
}

function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

async function deliver(authorization: string, body = FIXTURE): Promise<Response> {
  return fetch(`${used.pipeline.urls.server}/webhooks/ondato`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization },
    body,
  });
}

describe('Ondato through its token endpoint', () => {
  it('issues a token to a client authenticating with Basic, and accepts a delivery carrying it', async () => {
    const tokenResponse = await requestToken(basic(client().clientId, client().clientSecret));
    expect(tokenResponse.status).toBe(200);
    expect(tokenResponse.headers.get('cache-control')).toBe('no-store');
    const token = (await tokenResponse.json()) as {
      access_token: string;
      token_type: string;
      expires_in: number;
    };
    expect(token.token_type).toBe('Bearer');
    expect(token.expires_in).toBeGreaterThan(0);

    const delivery = await deliver(`Bearer ${token.access_token}`);
    expect(delivery.status).toBe(200);

    const event = await waitFor(
      'the Ondato event',
      () =>
        publishedWithId(used.pipeline.eventsFile, 'ondato:2d7a4f9c-8e3b-4c6a-9d1f-6b4e8a2c7d59')[0]
          ?.detail,
    );
    expect(event).toMatchObject({ vendor: 'ondato', status: 'approved', outOfOrder: false });
  });

  it('issues a token to a client sending its credentials in the body', async () => {
    const response = await requestToken(undefined, {
      client_id: client().clientId,
      client_secret: client().clientSecret,
    });
    expect(response.status).toBe(200);
  });

  it('refuses a wrong client secret with invalid_client', async () => {
    const response = await requestToken(basic(client().clientId, 'wrong'));
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: 'invalid_client' });
  });

  // Ondato delivers through Azure Event Grid, which drops a delivery answered 400, 401, 403 or
  // 413 without retrying: every webhook refusal is a 503, which it retries for up to 24 h.
  it('refuses tokens it did not issue, expired ones and revoked ones, with 503', async () => {
    const foreign = issueAccessToken(
      {
        clientId: client().clientId,
        audience: ONDATO_TOKEN_AUDIENCE,
        now: new Date(),
        ttlSeconds: 300,
      },
      'a-signing-key-that-is-not-configured-anywhere',
    );
    const expired = issueAccessToken(
      {
        clientId: client().clientId,
        audience: ONDATO_TOKEN_AUDIENCE,
        now: new Date(Date.now() - 3_600_000),
        ttlSeconds: 300,
      },
      ondatoSecret.tokenSigningKeys[0] ?? '',
    );
    const ofRemovedClient = issueAccessToken(
      {
        clientId: 'a-client-not-in-the-secret',
        audience: ONDATO_TOKEN_AUDIENCE,
        now: new Date(),
        ttlSeconds: 300,
      },
      ondatoSecret.tokenSigningKeys[0] ?? '',
    );
    expect((await deliver(`Bearer ${foreign}`)).status).toBe(503);
    expect((await deliver(`Bearer ${expired}`)).status).toBe(503);
    expect((await deliver(`Bearer ${ofRemovedClient}`)).status).toBe(503);
    expect((await deliver('Bearer not.a.token')).status).toBe(503);
  });

  it('stops accepting a client’s live token as soon as the secret file drops the client', async () => {
    const tokenResponse = await requestToken(basic(client().clientId, client().clientSecret));
    const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
    const body = FIXTURE.replace('2d7a4f9c-8e3b-4c6a-9d1f-6b4e8a2c7d59', 'revocation-check-1');
    expect((await deliver(`Bearer ${token}`, body)).status).toBe(200);
    const other = { clientId: 'ondato-next', clientSecret: 'not-a-real-client-secret-next' };
    writeFileSync(
      secretsFile,
      JSON.stringify({ ...secrets, ondato: { ...ondatoSecret, oauthClients: [other] } }),
    );
    try {
      expect((await deliver(`Bearer ${token}`, body)).status).toBe(503);
    } finally {
      writeFileSync(secretsFile, JSON.stringify(secrets));
    }
  });

  it('refuses deliveries and token requests from outside Ondato’s addresses', async () => {
    // Without its own allowedIps, Ondato's five documented addresses apply: loopback is outside.
    // The file source re-reads the file when it changes, so this applies to the next request.
    const { allowedIps: _loopback, ...withoutAllowList } = ondatoSecret;
    writeFileSync(secretsFile, JSON.stringify({ ...secrets, ondato: withoutAllowList }));
    try {
      const refusedDelivery = await deliver(basic('unused', 'unused'));
      const refusedToken = await requestToken(basic(client().clientId, client().clientSecret));
      // The webhook answers 503 (Event Grid retries it; a 403 would be dropped). The token
      // endpoint is Ondato's OAuth client, not Event Grid: it keeps OAuth's answers.
      expect(refusedDelivery.status).toBe(503);
      expect(refusedToken.status).toBe(403);
    } finally {
      writeFileSync(secretsFile, JSON.stringify(secrets));
    }
  });
});
