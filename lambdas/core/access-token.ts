import { createHmac, randomUUID } from 'node:crypto';
import { ConfigurationError } from './errors.js';
import { isObject, parseJson } from './json.js';
import { matchesAny } from './secure-compare.js';

/**
 * Short-lived bearer tokens that this pipeline issues to a vendor (OAuth2 client credentials)
 * and later accepts back on the webhook route: compact JWTs (RFC 7519) signed with HMAC-SHA-256
 * (RFC 7518 §3.2). Stateless: nothing is stored, the signature and `exp` carry the proof, so a
 * token verified by the webhook function needs no call to the function that issued it.
 *
 * Only what we issue is accepted: the algorithm is fixed (the header's `alg` must be `HS256`, so
 * `none` and every other algorithm are refused), and every claim we set is required.
 */

/** The JOSE header of every token we issue: HMAC-SHA-256, and a JWT. */
export const ACCESS_TOKEN_HEADER = { alg: 'HS256', typ: 'JWT' } as const;
/** Our `iss`: only tokens this pipeline issued are accepted. */
export const ACCESS_TOKEN_ISSUER = 'urn:kyc-webhooks:token-endpoint';
/** Tolerated difference between the issuing and the verifying clock, in seconds. */
export const CLOCK_SKEW_SECONDS = 30;
/** RFC 7518 §3.2: an HS256 key must be at least as long as the hash output (256 bits). */
export const MIN_SIGNING_KEY_BYTES = 32;
/** Far above any token we issue; bounds the work a garbage header can cause. */
export const MAX_TOKEN_LENGTH = 4096;

export interface AccessTokenRequest {
  /** The authenticated client; becomes `sub`. */
  readonly clientId: string;
  /** Where the token may be used; becomes `aud` and must match on verification. */
  readonly audience: string;
  readonly now: Date;
  readonly ttlSeconds: number;
}

export interface AccessTokenCheckOptions {
  readonly audience: string;
  readonly now: Date;
  /** Every currently accepted signing key; a token signed with any of them passes. */
  readonly keys: readonly string[];
  /**
   * The client ids currently allowed to hold tokens. When given, a token whose `sub` is not
   * among them is `revoked`: removing a client from the secret ends its tokens at once, not when
   * they expire. When omitted, `sub` is not checked against any list.
   */
  readonly clients?: readonly string[];
}

/**
 * What a token is, told apart so that logs and answers can differ:
 * - `valid`: ours, for this audience, inside its lifetime, and its client still allowed;
 * - `expired`: ours and for this audience, but past `exp` (plus the skew allowance);
 * - `revoked`: ours, for this audience and inside its lifetime, but its client is no longer listed;
 * - `foreign`: signed with one of our keys, well formed, but issued by another issuer or for
 *   another audience (a token meant for another route, or from before a rename of either);
 * - `invalid`: anything else — a bad signature, a key no longer accepted, garbage, a token we
 *   would never have issued.
 */
export type AccessTokenCheck = 'valid' | 'expired' | 'revoked' | 'foreign' | 'invalid';

const HEADER_SEGMENT = base64url(JSON.stringify(ACCESS_TOKEN_HEADER));

/** Issues a token signed with `signingKey` (the first key of a rotation). */
export function issueAccessToken(request: AccessTokenRequest, signingKey: string): string {
  assertSigningKey(signingKey);
  if (!Number.isInteger(request.ttlSeconds) || request.ttlSeconds <= 0) {
    throw new ConfigurationError(
      'Access token lifetime must be a positive whole number of seconds',
    );
  }
  if (request.clientId === '' || request.audience === '') {
    throw new ConfigurationError('Access tokens need a client id and an audience');
  }
  const issuedAt = Math.floor(request.now.getTime() / 1000);
  const claims = {
    iss: ACCESS_TOKEN_ISSUER,
    sub: request.clientId,
    aud: request.audience,
    iat: issuedAt,
    exp: issuedAt + request.ttlSeconds,
    jti: randomUUID(),
  };
  const signingInput = `${HEADER_SEGMENT}.${base64url(JSON.stringify(claims))}`;
  return `${signingInput}.${signature(signingInput, signingKey)}`;
}

/**
 * Checks a token against every accepted key, the expected audience and, when given, the allowed
 * clients (see `AccessTokenCheck` for each outcome). Never throws. The signature is checked
 * before any claim is read, so only a holder of one of our keys can reach an outcome other than
 * `invalid`. The outcomes are tried in this order: `foreign` before `expired` (a token for
 * another audience was never good here, however old), `expired` before `revoked` (a revoked
 * client's token that has also lapsed is simply expired).
 */
export function verifyAccessToken(
  token: string,
  options: AccessTokenCheckOptions,
): AccessTokenCheck {
  const segments = splitCompact(token);
  if (!segments || options.keys.length === 0) return 'invalid';
  const [headerSegment, payloadSegment, signatureSegment] = segments;

  const header = decodeSegment(headerSegment);
  if (!isObject(header) || header['alg'] !== ACCESS_TOKEN_HEADER.alg) return 'invalid';
  const type = header['typ'];
  if (
    type !== undefined &&
    (typeof type !== 'string' || type.toUpperCase() !== ACCESS_TOKEN_HEADER.typ)
  ) {
    return 'invalid';
  }
  // RFC 7515 §4.1.11: extensions we do not understand must make the token invalid.
  if (Object.hasOwn(header, 'crit')) return 'invalid';

  // Every key is tried, match or not (rotation), each in constant time. The expected value is
  // the canonical encoding, so a re-encoded signature with the same bytes is refused too.
  const signingInput = `${headerSegment}.${payloadSegment}`;
  const expected = options.keys.map((key) => signature(signingInput, key));
  if (!matchesAny(signatureSegment, expected)) return 'invalid';

  const claims = decodeSegment(payloadSegment);
  if (!isObject(claims)) return 'invalid';
  const { iss, sub, aud, iat, exp, jti, nbf } = claims;
  // Every claim has the shape we issue; an `aud` list, say, is not a token of ours.
  if (!isNonEmptyString(iss) || !isNonEmptyString(aud)) return 'invalid';
  if (!isNonEmptyString(sub) || !isNonEmptyString(jti)) return 'invalid';
  if (!isNumericDate(iat) || !isNumericDate(exp) || exp <= iat) return 'invalid';
  if (nbf !== undefined && !isNumericDate(nbf)) return 'invalid';
  // Issuer and audience are public names, not secrets: plain comparison.
  if (iss !== ACCESS_TOKEN_ISSUER || aud !== options.audience) return 'foreign';
  const now = options.now.getTime() / 1000;
  if (iat > now + CLOCK_SKEW_SECONDS) return 'invalid';
  if (nbf !== undefined && nbf > now + CLOCK_SKEW_SECONDS) return 'invalid';
  if (now >= exp + CLOCK_SKEW_SECONDS) return 'expired';
  // Every listed client is compared, in constant time, match or not.
  if (options.clients !== undefined && !matchesAny(sub, options.clients)) return 'revoked';
  return 'valid';
}

/** Throws a `ConfigurationError` (without the key) when a key is too short for HS256. */
export function assertSigningKey(key: string): void {
  if (Buffer.byteLength(key, 'utf8') < MIN_SIGNING_KEY_BYTES) {
    throw new ConfigurationError(
      `Token signing keys must be at least ${MIN_SIGNING_KEY_BYTES} bytes long`,
    );
  }
}

const SEGMENT = /^[A-Za-z0-9_-]+$/;

function splitCompact(token: unknown): [string, string, string] | undefined {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return undefined;
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((part) => SEGMENT.test(part))) return undefined;
  return parts as [string, string, string];
}

function decodeSegment(segment: string): unknown {
  return parseJson(Buffer.from(segment, 'base64url').toString('utf8'));
}

function signature(signingInput: string, key: string): string {
  return createHmac('sha256', Buffer.from(key, 'utf8')).update(signingInput).digest('base64url');
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

/** RFC 7519 §2 NumericDate: seconds since the epoch; we issue whole seconds. */
function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}
