import { issueAccessToken } from '../core/access-token.js';
import { ConfigurationError } from '../core/errors.js';
import { decodeUtf8, lowerCaseHeaders } from '../core/http-request.js';
import type { SecretSource } from '../core/ports.js';
import { safeEqual } from '../core/secure-compare.js';
import { ONDATO_TOKEN_AUDIENCE, ondatoDefinition } from '../vendors/ondato.js';
import type { OndatoCredentials, OndatoOauthClient } from '../vendors/ondato.js';
import { loadVendorAccess, type VendorAccess } from '../ingest/vendor-access.js';
import { tokenAnswers } from './token-answers.js';
import type { OAuthErrorCode, TokenAnswer } from './token-answers.js';

/**
 * Ondato's OAuth2 token endpoint (DESIGN §2): with OAuth2 configured, Ondato first fetches a
 * token from a URL that we host, then calls the webhook with `Authorization: Bearer <token>`.
 *
 * Inferred (Ondato documents only "clientID, clientSecret, tokenUrl"): the request is an
 * RFC 6749 §4.4 client-credentials grant, `POST` form-encoded `grant_type=client_credentials`,
 * with the client authenticated either by HTTP Basic (§2.3.1) or by `client_id`/`client_secret`
 * in the body; both are accepted. Each such reading is a named constant or one small function
 * below, so a real request that differs is a small change.
 *
 * `scope` is accepted and ignored: the token grants one fixed right (delivering Ondato
 * webhooks) whatever is asked, and Ondato's OAuth2 settings have no scope field, so refusing
 * one would only risk refusing a client that adds a default. The answer carries no `scope`
 * (RFC 6749 §5.1 would name the granted scope when it differs from the request; no scope
 * value names our one right).
 *
 * Inferred: Ondato fetches tokens from the same addresses it delivers from, so the webhook
 * allow-list (the secret's `allowedIps`, else Ondato's documented addresses) applies here too.
 */

export const TOKEN_PATH = '/oauth/ondato/token';
export const GRANT_TYPE = 'client_credentials';
export const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';
/** Far above a real client-credentials request; anything larger is not one. */
export const MAX_TOKEN_REQUEST_BYTES = 8192;
export const DEFAULT_TOKEN_TTL_SECONDS = 300;
/** Longest lifetime an operator may configure: a leaked token is useful until it expires. */
export const MAX_TOKEN_TTL_SECONDS = 3600;

/** Parameters that may appear at most once (RFC 6749 §3.2). */
const SINGLE_PARAMETERS = ['grant_type', 'client_id', 'client_secret', 'scope'] as const;

/** A token request as API Gateway (HTTP API, payload v2) or the local server hands it over. */
export interface TokenRequest {
  readonly method: string;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body?: string;
  readonly isBase64Encoded: boolean;
  /** The TCP peer as API Gateway saw it; never taken from `X-Forwarded-For`. */
  readonly sourceIp: string;
  readonly now: Date;
}

export interface TokenDeps {
  readonly secrets: SecretSource;
  /** Lifetime of an issued token; see `readTokenTtl`. */
  readonly ttlSeconds: number;
}

export type TokenReason =
  | 'method_not_allowed'
  | 'ip_not_allowed'
  | 'unsupported_content_type'
  | 'body_too_large'
  | 'body_not_utf8'
  | 'repeated_parameter'
  | 'missing_grant_type'
  | 'unsupported_grant_type'
  | 'multiple_client_authentication'
  | 'missing_client_id'
  | 'missing_client_credentials'
  | 'unsupported_authorization_scheme'
  | 'malformed_basic_credentials'
  | 'no_clients_configured'
  | 'unknown_client'
  | 'wrong_client_secret'
  | 'configuration_error'
  | 'secret_unavailable';

/** What happened, for the log: reason codes and positions, never ids, secrets or tokens. */
export interface TokenOutcome {
  readonly result: 'issued' | 'refused' | 'failed';
  readonly reason?: TokenReason;
  /** How the client authenticated (or tried to). */
  readonly authMethod?: 'basic' | 'body';
  /** Position of the matching entry in `oauthClients`, to follow a rotation. */
  readonly clientIndex?: number;
  readonly scopeIgnored?: boolean;
  /** The error behind a `failed` outcome, for the log. */
  readonly error?: unknown;
}

export interface TokenResult {
  readonly answer: TokenAnswer;
  readonly outcome: TokenOutcome;
}

/** Validates a configured token lifetime: whole seconds from 1 to `MAX_TOKEN_TTL_SECONDS`. */
export function readTokenTtl(seconds: number): number {
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_TOKEN_TTL_SECONDS) {
    throw new ConfigurationError(
      `Token lifetime must be a whole number of seconds from 1 to ${MAX_TOKEN_TTL_SECONDS}`,
    );
  }
  return seconds;
}

/** Answers one token request. Every refusal is a value with a reason code; only defects throw. */
export async function issueToken(request: TokenRequest, deps: TokenDeps): Promise<TokenResult> {
  const refuse = (
    code: OAuthErrorCode,
    reason: TokenReason,
    authMethod?: 'basic' | 'body',
  ): TokenResult => ({
    answer: tokenAnswers.error(code, code === 'invalid_client' && authMethod === 'basic'),
    outcome: { result: 'refused', reason, ...(authMethod && { authMethod }) },
  });
  if (request.method.toUpperCase() !== 'POST') {
    return refuse('invalid_request', 'method_not_allowed');
  }

  let access: VendorAccess<OndatoCredentials>;
  try {
    // Ondato's webhook secret, keys and allow-list (inferred to hold the token fetcher too, see
    // the top of this file).
    access = await loadVendorAccess(deps.secrets, ondatoDefinition);
  } catch (error) {
    const reason =
      error instanceof ConfigurationError ? 'configuration_error' : 'secret_unavailable';
    return { answer: tokenAnswers.unavailable(), outcome: { result: 'failed', reason, error } };
  }
  if (access.allowList && !access.allowList.allows(request.sourceIp)) {
    return {
      answer: tokenAnswers.forbidden(),
      outcome: { result: 'refused', reason: 'ip_not_allowed' },
    };
  }

  const headers = lowerCaseHeaders(request.headers);
  if (mediaType(headers['content-type']) !== FORM_CONTENT_TYPE) {
    return refuse('invalid_request', 'unsupported_content_type');
  }
  const bytes = Buffer.from(request.body ?? '', request.isBase64Encoded ? 'base64' : 'utf8');
  if (bytes.length > MAX_TOKEN_REQUEST_BYTES) return refuse('invalid_request', 'body_too_large');
  const text = decodeUtf8(bytes);
  if (text === undefined) return refuse('invalid_request', 'body_not_utf8');

  const params = new URLSearchParams(text);
  if (SINGLE_PARAMETERS.some((name) => params.getAll(name).length > 1)) {
    return refuse('invalid_request', 'repeated_parameter');
  }
  // RFC 6749 §3.1: a parameter sent without a value is treated as omitted.
  const param = (name: (typeof SINGLE_PARAMETERS)[number]): string | undefined =>
    params.get(name) || undefined;
  const grantType = param('grant_type');
  if (grantType === undefined) return refuse('invalid_request', 'missing_grant_type');
  if (grantType !== GRANT_TYPE) return refuse('unsupported_grant_type', 'unsupported_grant_type');

  const presented = readClientCredentials(headers['authorization'], {
    clientId: param('client_id'),
    clientSecret: param('client_secret'),
  });
  if (!presented.ok) return refuse(presented.code, presented.reason, presented.authMethod);
  const { authMethod, candidates } = presented;

  const { credentials } = access;
  if (credentials.oauthClients.length === 0) {
    return refuse('invalid_client', 'no_clients_configured', authMethod);
  }
  const match = authenticate(candidates, credentials.oauthClients);
  if (match.index === undefined) {
    return refuse(
      'invalid_client',
      match.knownId ? 'wrong_client_secret' : 'unknown_client',
      authMethod,
    );
  }
  const [signingKey] = credentials.tokenSigningKeys;
  const client = credentials.oauthClients[match.index];
  if (signingKey === undefined || client === undefined) {
    // parseOndatoCredentials refuses clients without keys, so this is a defect, not an outcome.
    throw new ConfigurationError('Ondato secret: no token signing key for the configured clients');
  }
  const accessToken = issueAccessToken(
    {
      clientId: client.clientId,
      audience: ONDATO_TOKEN_AUDIENCE,
      now: request.now,
      ttlSeconds: deps.ttlSeconds,
    },
    signingKey,
  );
  return {
    answer: tokenAnswers.issued(accessToken, deps.ttlSeconds),
    outcome: {
      result: 'issued',
      authMethod,
      clientIndex: match.index,
      ...(param('scope') !== undefined && { scopeIgnored: true }),
    },
  };
}

type PresentedCredentials =
  | {
      readonly ok: true;
      readonly authMethod: 'basic' | 'body';
      /** Readings of what the client sent; it authenticates when any one matches. */
      readonly candidates: readonly OndatoOauthClient[];
    }
  | {
      readonly ok: false;
      readonly code: OAuthErrorCode;
      readonly reason: TokenReason;
      readonly authMethod?: 'basic' | 'body';
    };

/**
 * The client's credentials from the `Authorization` header or the body, never both (RFC 6749
 * §2.3: one authentication method per request). A body `client_id` beside Basic is tolerated
 * when it names the same client, since §3.2.1 lets a client identify itself that way.
 */
function readClientCredentials(
  authorization: string | undefined,
  body: { readonly clientId: string | undefined; readonly clientSecret: string | undefined },
): PresentedCredentials {
  if (authorization !== undefined && authorization.trim() !== '') {
    if (body.clientSecret !== undefined) {
      return { ok: false, code: 'invalid_request', reason: 'multiple_client_authentication' };
    }
    const match = /^\s*(\S+)(?:\s+(\S+))?\s*$/.exec(authorization);
    if (match?.[1]?.toLowerCase() !== 'basic') {
      return fail('invalid_client', 'unsupported_authorization_scheme', 'basic');
    }
    const candidates = decodeBasic(match[2] ?? '');
    if (candidates === undefined)
      return fail('invalid_client', 'malformed_basic_credentials', 'basic');
    if (body.clientId !== undefined && !candidates.some((c) => c.clientId === body.clientId)) {
      return fail('invalid_request', 'multiple_client_authentication', 'basic');
    }
    return { ok: true, authMethod: 'basic', candidates };
  }
  if (body.clientId === undefined) {
    return body.clientSecret === undefined
      ? fail('invalid_client', 'missing_client_credentials')
      : fail('invalid_request', 'missing_client_id', 'body');
  }
  // A client without a secret (a public client) cannot authenticate here.
  if (body.clientSecret === undefined)
    return fail('invalid_client', 'missing_client_credentials', 'body');
  return {
    ok: true,
    authMethod: 'body',
    candidates: [{ clientId: body.clientId, clientSecret: body.clientSecret }],
  };
}

function fail(
  code: OAuthErrorCode,
  reason: TokenReason,
  authMethod?: 'basic' | 'body',
): PresentedCredentials {
  return { ok: false, code, reason, ...(authMethod && { authMethod }) };
}

/**
 * `base64(urlencode(id) ":" urlencode(secret))` (RFC 6749 §2.3.1). Inferred: many clients skip
 * the url-encoding, so the raw reading is tried too when it differs; a secret holding `+` or
 * `%` then still matches whichever way the client encoded it.
 */
function decodeBasic(token: string): OndatoOauthClient[] | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(token)) return undefined;
  const bytes = Buffer.from(token, 'base64');
  if (bytes.toString('base64').replace(/=+$/, '') !== token.replace(/=+$/, '')) return undefined;
  const pair = decodeUtf8(bytes);
  const colon = pair?.indexOf(':') ?? -1;
  if (pair === undefined || colon < 0) return undefined;
  const raw = { clientId: pair.slice(0, colon), clientSecret: pair.slice(colon + 1) };
  const clientId = formDecode(raw.clientId);
  const clientSecret = formDecode(raw.clientSecret);
  const readings: OndatoOauthClient[] = [];
  if (clientId !== undefined && clientSecret !== undefined)
    readings.push({ clientId, clientSecret });
  if (clientId !== raw.clientId || clientSecret !== raw.clientSecret) readings.push(raw);
  return readings.some((r) => r.clientId !== '' && r.clientSecret !== '') ? readings : undefined;
}

function formDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/**
 * Compares every reading with every configured client, each comparison in constant time and
 * none skipped, so the time taken says nothing about which client or how much matched.
 */
function authenticate(
  candidates: readonly OndatoOauthClient[],
  clients: readonly OndatoOauthClient[],
): { readonly index?: number; readonly knownId: boolean } {
  let index: number | undefined;
  let knownId = false;
  for (const candidate of candidates) {
    clients.forEach((client, i) => {
      const idMatches = safeEqual(candidate.clientId, client.clientId);
      const secretMatches = safeEqual(candidate.clientSecret, client.clientSecret);
      knownId = idMatches || knownId;
      if (idMatches && secretMatches && index === undefined) index = i;
    });
  }
  return index === undefined ? { knownId } : { index, knownId };
}

/** `application/x-www-form-urlencoded; charset=UTF-8` → `application/x-www-form-urlencoded`. */
function mediaType(contentType: string | undefined): string | undefined {
  return contentType?.split(';')[0]?.trim().toLowerCase();
}
