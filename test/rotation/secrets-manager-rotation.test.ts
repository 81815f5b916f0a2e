import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SecretsManagerSecretSource } from '../../lambdas/adapters/secrets-manager-secret-source.js';
import {
  CLOCK_SKEW_SECONDS,
  issueAccessToken,
  verifyAccessToken,
} from '../../lambdas/core/access-token.js';
import {
  DEFAULT_TOKEN_TTL_SECONDS,
  FORM_CONTENT_TYPE,
  issueToken,
} from '../../lambdas/token/issue-token.js';
import { ONDATO_TOKEN_AUDIENCE } from '../../lambdas/vendors/ondato.js';
import {
  describeEachVendor,
  deliveryWith,
  oldAndNew,
  ONDATO_REFUSED,
  ondatoDeliveryWith,
  SOURCE_IP,
  statusOf,
} from './rotation-support.js';

/**
 * Rotation through the deployed secret source: Secrets Manager (mocked at the SDK) behind
 * Powertools' SecretsProvider with `maxAge`, on a clock the test moves. Every vendor accepts two
 * credentials at once, and a removed one stops working within `secretMaxAgeSeconds` of its
 * removal (README: "Rotating a credential"). Ondato's token signing key follows the README's
 * procedure across two separately cached functions, the token endpoint and ingest.
 */

/** The stack's default `secretMaxAgeSeconds` (README, Configuration). */
const MAX_AGE = 300;
const T0 = Date.parse('2026-06-01T12:00:00.000Z');

const secretsManager = mockClient(SecretsManagerClient);
/** What Secrets Manager holds now, by secret id; the mock answers from it. */
const stored = new Map<string, string>();

beforeEach(() => {
  stored.clear();
  secretsManager.reset();
  secretsManager.on(GetSecretValueCommand).callsFake((input: { SecretId: string }) => {
    const value = stored.get(input.SecretId);
    if (value === undefined) throw new Error(`no secret ${input.SecretId}`);
    return { SecretString: value, Name: input.SecretId };
  });
  // Only Date moves: Powertools' cache compares Date.now() with each value's expiry.
  vi.useFakeTimers({ toFake: ['Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

/** Moves the clock to `seconds` after T0 and returns that instant. */
function at(seconds: number): Date {
  const now = new Date(T0 + seconds * 1000);
  vi.setSystemTime(now);
  return now;
}

function sourceFor(vendorId: string): SecretsManagerSecretSource {
  return new SecretsManagerSecretSource(
    new SecretsManagerClient({ region: 'eu-west-1' }),
    { [vendorId]: `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${vendorId}` },
    MAX_AGE,
  );
}

function put(vendorId: string, secret: unknown): void {
  stored.set(
    `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${vendorId}`,
    JSON.stringify(secret),
  );
}

describeEachVendor(
  'rotating the %s credential through Secrets Manager',
  (vendorId, { accepted, refused }) => {
    it('accepts old and new together, and refuses the old one within secretMaxAgeSeconds of its removal', async () => {
      const { shape, oldOne, newOne } = oldAndNew(vendorId);
      const secrets = sourceFor(vendorId);
      const deliver = async (credential: string, seconds: number) =>
        statusOf(deliveryWith(vendorId, credential, at(seconds)), secrets);

      put(vendorId, shape.secret([oldOne]));
      expect(await deliver(oldOne, 0)).toBe(accepted);
      expect(await deliver(newOne, 1)).toBe(refused);

      // 1. Add the new value. Cached for up to MAX_AGE, so not yet everywhere.
      put(vendorId, shape.secret([oldOne, newOne]));
      expect(await deliver(newOne, 10)).toBe(refused);
      // Within MAX_AGE of the change, both are accepted: the vendor can switch over at any time.
      expect(await deliver(newOne, MAX_AGE + 1)).toBe(accepted);
      expect(await deliver(oldOne, MAX_AGE + 2)).toBe(accepted);

      // 2. Remove the old value. It works until the cache ends, never past MAX_AGE after removal.
      const removedAt = MAX_AGE + 10;
      put(vendorId, shape.secret([newOne]));
      expect(await deliver(oldOne, removedAt + 1)).toBe(accepted);
      expect(await deliver(oldOne, removedAt + MAX_AGE + 1)).toBe(refused);
      expect(await deliver(newOne, removedAt + MAX_AGE + 2)).toBe(accepted);

      // One read per cache period, not one per delivery.
      expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(3);
    });
  },
);

/* ------------------------------------------------------------- Ondato's token signing key */

describe("rotating Ondato's token signing key (README procedure)", () => {
  const client = { clientId: 'ondato-rotation', clientSecret: 'rotation-client-secret' };
  const K1 = 'first-token-signing-key-at-least-32-bytes-long';
  const K2 = 'second-token-signing-key-at-least-32-bytes-long';
  const TTL = DEFAULT_TOKEN_TTL_SECONDS;
  const secretWith = (keys: string[]) => ({
    oauthClients: [client],
    tokenSigningKeys: keys,
    allowedIps: [SOURCE_IP],
  });

  /** Ingest and the token endpoint are separate functions, each with its own cache. */
  function functions() {
    const ingestSecrets = sourceFor('ondato');
    const tokenSecrets = sourceFor('ondato');
    const issue = async (now: Date): Promise<string> => {
      const { answer } = await issueToken(
        {
          method: 'POST',
          headers: { 'content-type': FORM_CONTENT_TYPE },
          body: new URLSearchParams({
            grant_type: 'client_credentials',
            client_id: client.clientId,
            client_secret: client.clientSecret,
          }).toString(),
          isBase64Encoded: false,
          sourceIp: SOURCE_IP,
          now,
        },
        { secrets: tokenSecrets, ttlSeconds: TTL },
      );
      expect(answer.statusCode).toBe(200);
      return (JSON.parse(answer.body) as { access_token: string }).access_token;
    };
    const deliver = (token: string, now: Date): Promise<number> =>
      statusOf(ondatoDeliveryWith(token, now), ingestSecrets);
    return { issue, deliver };
  }

  const signedWith = (token: string, key: string, now: Date): boolean =>
    verifyAccessToken(token, { audience: ONDATO_TOKEN_AUDIENCE, now, keys: [key] }) === 'valid';

  it('never refuses a token while it holds, when each wait is at least as long as the caches', async () => {
    const { issue, deliver } = functions();
    const issued: { token: string; at: number }[] = [];
    /** Issues a token at `seconds`, then checks every token still inside its lifetime is accepted. */
    const step = async (seconds: number): Promise<string> => {
      const now = at(seconds);
      const token = await issue(now);
      issued.push({ token, at: seconds });
      for (const earlier of issued.filter((t) => seconds < t.at + TTL + CLOCK_SKEW_SECONDS)) {
        expect(
          await deliver(earlier.token, now),
          `token issued at ${earlier.at}s, at ${seconds}s`,
        ).toBe(200);
      }
      return token;
    };

    put('ondato', secretWith([K1]));
    expect(signedWith(await step(0), K1, at(0))).toBe(true);

    // 1. Append the new key, then wait secretMaxAgeSeconds: every function now accepts it.
    put('ondato', secretWith([K1, K2]));
    const appended = 10;
    await step(appended + 100);
    const waited = appended + MAX_AGE + 1;
    expect(signedWith(await step(waited), K1, at(waited))).toBe(true);

    // 2. Move it to the front: the token endpoint signs with it once its own cache ends.
    const moved = waited + 10;
    put('ondato', secretWith([K2, K1]));
    await step(moved + 200);
    const lastOld = await step(moved + MAX_AGE - 20);
    expect(signedWith(lastOld, K1, at(moved + MAX_AGE - 20))).toBe(true);
    expect(signedWith(await step(moved + MAX_AGE + 1), K2, at(moved + MAX_AGE + 1))).toBe(true);

    // 3. Wait until no token signed with the old key can still hold: the endpoint may have
    //    signed with it until `moved + MAX_AGE`, and each token holds TTL plus the clock skew.
    const removed = moved + MAX_AGE + TTL + CLOCK_SKEW_SECONDS + 1;
    await step(removed - 5);
    put('ondato', secretWith([K2]));
    await step(removed + 100);
    await step(removed + MAX_AGE + 1);

    // The old key is gone everywhere: a token signed with it now is refused.
    const after = at(removed + MAX_AGE + 2);
    const oldKeyToken = issueAccessToken(
      { clientId: client.clientId, audience: ONDATO_TOKEN_AUDIENCE, now: after, ttlSeconds: TTL },
      K1,
    );
    expect(await deliver(oldKeyToken, after)).toBe(ONDATO_REFUSED);
  });

  it('shows why the wait after moving the key must include secretMaxAgeSeconds', async () => {
    // Waiting only the token lifetime after the move is too short: the token endpoint may
    // still sign with the old key for up to secretMaxAgeSeconds after the move, and such a token
    // holds for its whole lifetime. Removing the old key one lifetime after the move can refuse
    // it, and Ondato may drop a delivery answered 401. The safe wait is the first test's.
    const { issue, deliver } = functions();
    put('ondato', secretWith([K1]));
    await deliver(await issue(at(0)), at(0));

    put('ondato', secretWith([K1, K2]));
    // Both functions refresh here, MAX_AGE after their first read, and see [K1, K2].
    await deliver(await issue(at(MAX_AGE + 5)), at(MAX_AGE + 5));

    const moved = MAX_AGE + 11;
    put('ondato', secretWith([K2, K1]));
    // The endpoint's cache still says [K1, K2]: the new token is signed with the old key.
    const stale = await issue(at(2 * MAX_AGE + 4));
    expect(signedWith(stale, K1, at(2 * MAX_AGE + 4))).toBe(true);

    put('ondato', secretWith([K2]));
    const removedAfterOneLifetime = moved + TTL;
    const now = at(removedAfterOneLifetime + 2);
    // Still inside its lifetime…
    expect(verifyAccessToken(stale, { audience: ONDATO_TOKEN_AUDIENCE, now, keys: [K1] })).toBe(
      'valid',
    );
    // …yet refused, because ingest's cache has just refreshed without the old key.
    expect(await deliver(stale, now)).toBe(ONDATO_REFUSED);
  });
});
