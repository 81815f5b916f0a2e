import { createHmac, timingSafeEqual } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import {
  ACCESS_TOKEN_ISSUER,
  CLOCK_SKEW_SECONDS,
  MAX_TOKEN_LENGTH,
  issueAccessToken,
  verifyAccessToken,
  type AccessTokenCheck,
} from '../../lambdas/core/access-token.js';
import { ConfigurationError } from '../../lambdas/core/errors.js';

// Counts the constant-time comparisons; spied, every node:crypto function keeps its results.
vi.mock('node:crypto', { spy: true });

const KEY = 'test-only-signing-key-a3f19c0e8b7d4e21';
const OTHER_KEY = 'test-only-signing-key-5d2e7a91c4b84f63';
const AUDIENCE = 'urn:test:audience';
const ISSUED = new Date('2026-03-01T10:00:00.000Z');
const TTL = 300;

const at = (secondsAfterIssue: number) => new Date(ISSUED.getTime() + secondsAfterIssue * 1000);

function issue(overrides: { ttlSeconds?: number; clientId?: string } = {}, key = KEY): string {
  return issueAccessToken(
    { clientId: 'client-1', audience: AUDIENCE, now: ISSUED, ttlSeconds: TTL, ...overrides },
    key,
  );
}

function check(
  token: string,
  options: {
    now?: Date;
    keys?: readonly string[];
    audience?: string;
    clients?: readonly string[];
  } = {},
): AccessTokenCheck {
  return verifyAccessToken(token, {
    audience: options.audience ?? AUDIENCE,
    now: options.now ?? at(1),
    keys: options.keys ?? [KEY],
    ...(options.clients && { clients: options.clients }),
  });
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const decode = (segment: string) =>
  JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as Record<string, unknown>;

/** A token with the given header and claims, signed (HS256) with `key` unless `signature` is given. */
function forge(
  header: unknown,
  claims: unknown,
  options: { key?: string; signature?: string } = {},
): string {
  const input = `${b64(header)}.${b64(claims)}`;
  const signature =
    options.signature ??
    createHmac('sha256', options.key ?? KEY)
      .update(input)
      .digest('base64url');
  return `${input}.${signature}`;
}

function claimsOf(token: string): Record<string, unknown> {
  return decode(token.split('.')[1] ?? '');
}

const GOOD_HEADER = { alg: 'HS256', typ: 'JWT' };
const goodClaims = (overrides: Record<string, unknown> = {}) => ({
  ...claimsOf(issue()),
  ...overrides,
});

describe('access tokens', () => {
  describe('issueAccessToken', () => {
    it('makes a compact HS256 JWT with every registered claim we rely on', () => {
      const token = issue();
      const [header, payload, signature] = token.split('.');
      expect(token.split('.')).toHaveLength(3);
      expect(decode(header ?? '')).toEqual({ alg: 'HS256', typ: 'JWT' });
      expect(decode(payload ?? '')).toEqual({
        iss: ACCESS_TOKEN_ISSUER,
        sub: 'client-1',
        aud: AUDIENCE,
        iat: ISSUED.getTime() / 1000,
        exp: ISSUED.getTime() / 1000 + TTL,
        jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
      });
      expect(signature).toBe(
        createHmac('sha256', KEY).update(`${header}.${payload}`).digest('base64url'),
      );
    });

    it('gives every token its own jti', () => {
      expect(claimsOf(issue()).jti).not.toBe(claimsOf(issue()).jti);
    });

    it('truncates a sub-second issue time to whole seconds', () => {
      const token = issueAccessToken(
        {
          clientId: 'c',
          audience: AUDIENCE,
          now: new Date('2026-03-01T10:00:00.999Z'),
          ttlSeconds: 60,
        },
        KEY,
      );
      expect(claimsOf(token)).toMatchObject({ iat: ISSUED.getTime() / 1000 });
    });

    it.each<[string, Parameters<typeof issueAccessToken>[0], string]>([
      [
        'a key under 32 bytes',
        { clientId: 'c', audience: AUDIENCE, now: ISSUED, ttlSeconds: 60 },
        'short-secret-key',
      ],
      ['a zero lifetime', { clientId: 'c', audience: AUDIENCE, now: ISSUED, ttlSeconds: 0 }, KEY],
      [
        'a fractional lifetime',
        { clientId: 'c', audience: AUDIENCE, now: ISSUED, ttlSeconds: 1.5 },
        KEY,
      ],
      [
        'an empty client id',
        { clientId: '', audience: AUDIENCE, now: ISSUED, ttlSeconds: 60 },
        KEY,
      ],
      ['an empty audience', { clientId: 'c', audience: '', now: ISSUED, ttlSeconds: 60 }, KEY],
    ])('refuses %s with a ConfigurationError that holds no secret', (_case, request, key) => {
      expect(() => issueAccessToken(request, key)).toThrow(ConfigurationError);
      try {
        issueAccessToken(request, key);
      } catch (error) {
        expect((error as Error).message).not.toContain(key);
      }
    });
  });

  describe('verifyAccessToken', () => {
    it('accepts a token it issued (round trip)', () => {
      expect(check(issue())).toBe('valid');
    });

    it.each<[string, number, AccessTokenCheck]>([
      ['at issue', 0, 'valid'],
      ['one second before exp', TTL - 1, 'valid'],
      ['at exp (inside the skew allowance)', TTL, 'valid'],
      ['just before exp + skew', TTL + CLOCK_SKEW_SECONDS - 0.001, 'valid'],
      ['at exp + skew', TTL + CLOCK_SKEW_SECONDS, 'expired'],
      ['a day later', 86_400, 'expired'],
      ['a verifier clock behind by the skew', -CLOCK_SKEW_SECONDS, 'valid'],
      ['a verifier clock behind by more than the skew', -CLOCK_SKEW_SECONDS - 1, 'invalid'],
    ])('reads a token checked %s as %s', (_case, seconds, result) => {
      expect(check(issue(), { now: at(seconds) })).toBe(result);
    });

    it('signs with the first key and accepts any key of a rotation', () => {
      const oldToken = issue({}, OTHER_KEY);
      const newToken = issue({}, KEY);
      expect(check(oldToken, { keys: [KEY, OTHER_KEY] })).toBe('valid');
      expect(check(newToken, { keys: [KEY, OTHER_KEY] })).toBe('valid');
      expect(check(newToken, { keys: [OTHER_KEY, KEY] })).toBe('valid');
      // Once the old key is removed, its tokens stop working.
      expect(check(oldToken, { keys: [KEY] })).toBe('invalid');
    });

    it.each([[1], [2], [3]])(
      'compares the signature with every one of %i keys, even after a match',
      (count) => {
        const keys = [KEY, OTHER_KEY, 'a-third-test-only-key-9e8d7c6b5a4f3e2d'].slice(0, count);
        const token = issue();
        vi.mocked(timingSafeEqual).mockClear();
        expect(check(token, { keys })).toBe('valid');
        expect(timingSafeEqual).toHaveBeenCalledTimes(count);
      },
    );

    it('refuses a token signed with a foreign key', () => {
      expect(check(issue({}, 'a-foreign-key-that-is-long-enough-1234'))).toBe('invalid');
    });

    it('refuses every token when no key is configured', () => {
      expect(check(issue(), { keys: [] })).toBe('invalid');
    });

    it('refuses a foreign-key token as invalid even when it has also expired', () => {
      const token = issue({}, 'a-foreign-key-that-is-long-enough-1234');
      expect(check(token, { now: at(86_400) })).toBe('invalid');
    });

    it.each([['urn:test:other'], ['urn:test:audience '], ['URN:TEST:AUDIENCE'], ['']])(
      'refuses a token of ours checked for the audience %j as foreign',
      (audience) => {
        expect(check(issue(), { audience })).toBe('foreign');
      },
    );

    describe('revocation (the allowed clients)', () => {
      it.each<[string, readonly string[] | undefined, AccessTokenCheck]>([
        ['its client listed', ['client-1'], 'valid'],
        ['its client listed among others', ['client-0', 'client-1', 'client-2'], 'valid'],
        ['its client listed twice (a secret rotation)', ['client-1', 'client-1'], 'valid'],
        ['no list given (sub not checked)', undefined, 'valid'],
        ['its client no longer listed', ['client-2'], 'revoked'],
        ['an empty list', [], 'revoked'],
        ['its client listed in another case', ['CLIENT-1'], 'revoked'],
        ['a prefix of its client listed', ['client-'], 'revoked'],
      ])('reads a live token with %s as %s', (_case, clients, result) => {
        expect(check(issue(), clients === undefined ? {} : { clients })).toBe(result);
      });

      it('reads a token that is both revoked and expired as expired', () => {
        expect(check(issue(), { clients: [], now: at(86_400) })).toBe('expired');
      });

      it('reads a token for another audience as foreign, whatever its age or client', () => {
        expect(check(issue(), { audience: 'urn:test:other', clients: [], now: at(86_400) })).toBe(
          'foreign',
        );
      });

      it('reads a forged token as invalid, whatever the clients', () => {
        const forged = issue({}, 'a-foreign-key-that-is-long-enough-1234');
        expect(check(forged, { clients: ['client-1'] })).toBe('invalid');
        expect(check(forged, { clients: [] })).toBe('invalid');
      });

      it('compares the client with every listed client, each in constant time', () => {
        const token = issue();
        vi.mocked(timingSafeEqual).mockClear();
        expect(check(token, { clients: ['client-1', 'client-2', 'client-3'] })).toBe('valid');
        // One comparison for the signature (one key), one per listed client, match or not.
        expect(timingSafeEqual).toHaveBeenCalledTimes(1 + 3);
      });
    });

    describe('tampering', () => {
      const token = issue();
      const [header = '', payload = '', signature = ''] = token.split('.');
      const flip = (segment: string, at = 2) =>
        segment.slice(0, at) + (segment[at] === 'A' ? 'B' : 'A') + segment.slice(at + 1);

      it.each<[string, string]>([
        ['a changed payload character', `${header}.${flip(payload, 10)}.${signature}`],
        ['a changed header character', `${flip(header, 5)}.${payload}.${signature}`],
        ['a changed signature character', `${header}.${payload}.${flip(signature, 5)}`],
        ['a truncated signature', `${header}.${payload}.${signature.slice(0, -1)}`],
        ['an extended signature', `${header}.${payload}.${signature}A`],
        ['the signature of another token', `${header}.${payload}.${issue().split('.')[2]}`],
        [
          'a payload with a different sub, same signature',
          `${header}.${b64({ ...claimsOf(token), sub: 'client-2' })}.${signature}`,
        ],
        [
          'a payload with a later exp, same signature',
          `${header}.${b64({ ...claimsOf(token), exp: 9_999_999_999 })}.${signature}`,
        ],
        ['a swapped header and payload', `${payload}.${header}.${signature}`],
      ])('refuses %s', (_case, tampered) => {
        expect(check(tampered)).toBe('invalid');
      });
    });

    describe('algorithms', () => {
      it.each<[string, unknown]>([
        ['alg none', { alg: 'none', typ: 'JWT' }],
        ['alg None', { alg: 'None' }],
        ['alg hs256 (wrong case)', { alg: 'hs256', typ: 'JWT' }],
        ['alg HS384', { alg: 'HS384', typ: 'JWT' }],
        ['alg HS512', { alg: 'HS512', typ: 'JWT' }],
        ['alg RS256', { alg: 'RS256', typ: 'JWT' }],
        ['alg ES256', { alg: 'ES256', typ: 'JWT' }],
        ['no alg', { typ: 'JWT' }],
        ['alg as a list', { alg: ['HS256'] }],
        ['typ other than JWT', { alg: 'HS256', typ: 'at+jwt+x' }],
        ['typ that is not a string', { alg: 'HS256', typ: 1 }],
        ['a crit extension', { alg: 'HS256', typ: 'JWT', crit: ['exp'] }],
        ['a header that is a list', ['HS256']],
        ['a header that is a string', 'HS256'],
      ])('refuses %s, even when correctly signed', (_case, header) => {
        expect(check(forge(header, goodClaims()))).toBe('invalid');
      });

      it('refuses an unsigned token (alg none, empty signature)', () => {
        const token = `${b64({ alg: 'none' })}.${b64(goodClaims())}.`;
        expect(check(token)).toBe('invalid');
      });

      it('accepts a header without typ, or with typ in another case', () => {
        expect(check(forge({ alg: 'HS256' }, goodClaims()))).toBe('valid');
        expect(check(forge({ alg: 'HS256', typ: 'jwt' }, goodClaims()))).toBe('valid');
      });
    });

    describe('claims (correctly signed)', () => {
      const iat = ISSUED.getTime() / 1000;
      it.each<[string, Record<string, unknown>, AccessTokenCheck]>([
        ['as issued', {}, 'valid'],
        ['another issuer', { iss: 'urn:someone-else' }, 'foreign'],
        ['another audience', { aud: 'urn:test:other' }, 'foreign'],
        ['another issuer, long expired', { iss: 'urn:someone-else', exp: iat + 1 }, 'foreign'],
        ['no issuer', { iss: undefined }, 'invalid'],
        ['an issuer that is not a string', { iss: 42 }, 'invalid'],
        ['an audience list', { aud: [AUDIENCE] }, 'invalid'],
        ['no audience', { aud: undefined }, 'invalid'],
        [
          'another audience without a subject',
          { aud: 'urn:test:other', sub: undefined },
          'invalid',
        ],
        ['no subject', { sub: undefined }, 'invalid'],
        ['an empty subject', { sub: '' }, 'invalid'],
        ['no jti', { jti: undefined }, 'invalid'],
        ['no exp', { exp: undefined }, 'invalid'],
        ['exp as a string', { exp: String(iat + TTL) }, 'invalid'],
        ['exp not after iat', { exp: iat }, 'invalid'],
        ['no iat', { iat: undefined }, 'invalid'],
        ['iat in the future', { iat: iat + 3600, exp: iat + 7200 }, 'invalid'],
        ['nbf in the future', { nbf: iat + 3600 }, 'invalid'],
        ['nbf not a number', { nbf: 'soon' }, 'invalid'],
        ['nbf in the past', { nbf: iat - 10 }, 'valid'],
      ])('%s → %s', (_case, overrides, result) => {
        expect(check(forge(GOOD_HEADER, goodClaims(overrides)))).toBe(result);
      });

      it.each<[string, unknown]>([
        ['a list', [goodClaims()]],
        ['a string', 'claims'],
        ['null', null],
      ])('refuses a payload that is %s', (_case, claims) => {
        expect(check(forge(GOOD_HEADER, claims))).toBe('invalid');
      });

      it('refuses a payload that is not JSON', () => {
        const input = `${b64(GOOD_HEADER)}.${Buffer.from('not json').toString('base64url')}`;
        const signature = createHmac('sha256', KEY).update(input).digest('base64url');
        expect(check(`${input}.${signature}`)).toBe('invalid');
      });
    });

    it.each<[string, string]>([
      ['an empty string', ''],
      ['a word', 'token'],
      ['two segments', 'abc.def'],
      ['four segments', 'a.b.c.d'],
      ['empty segments', '..'],
      ['padding in a segment', `${issue()}=`],
      ['standard base64 characters', issue().replace(/-/g, '+').replace(/_/g, '/') + '+/'],
      ['spaces', `${issue()} `],
      ['a Bearer prefix', `Bearer ${issue()}`],
      ['non-ASCII', 'é.é.é'],
      ['an overlong token', `${issue()}${'A'.repeat(MAX_TOKEN_LENGTH)}`],
      ['JSON instead of a token', JSON.stringify(goodClaims())],
    ])('refuses garbage: %s', (_case, garbage) => {
      expect(check(garbage)).toBe('invalid');
    });

    it('never throws, whatever it is given', () => {
      for (const value of [undefined, null, 42, {}, [], 'a.b.c', issue()]) {
        for (const clients of [undefined, [], ['client-1']]) {
          expect(() =>
            verifyAccessToken(value as string, {
              audience: AUDIENCE,
              now: ISSUED,
              keys: [KEY],
              ...(clients && { clients }),
            }),
          ).not.toThrow();
        }
      }
    });
  });
});
