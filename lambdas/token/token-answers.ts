import { answers } from '../core/http-answers.js';

/**
 * Every HTTP answer the token endpoint gives, in one place. OAuth answers follow RFC 6749 §5.1
 * (success) and §5.2 (errors); the IP and availability answers are the same as ingest's. No
 * answer says more than the error code, and none may be cached (RFC 6749 §5.1: `no-store`).
 */
export interface TokenAnswer {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * RFC 6749 §5.2 error codes the endpoint sends. Never sent: `invalid_grant` (this grant carries
 * nothing to be invalid), `unauthorized_client` (every configured client may use the one grant
 * we support) and `invalid_scope` (a requested scope is ignored, see issue-token.ts).
 */
export type OAuthErrorCode = 'invalid_request' | 'invalid_client' | 'unsupported_grant_type';

const STATUS: Readonly<Record<OAuthErrorCode, number>> = {
  invalid_request: 400,
  invalid_client: 401,
  unsupported_grant_type: 400,
};

/** The challenge sent back when the client tried Basic authentication (RFC 6749 §5.2). */
export const BASIC_CHALLENGE = 'Basic realm="token", charset="UTF-8"';

const HEADERS = {
  'content-type': 'application/json;charset=UTF-8',
  'cache-control': 'no-store',
  pragma: 'no-cache',
} as const;

export const tokenAnswers = {
  issued: (accessToken: string, expiresIn: number): TokenAnswer => ({
    statusCode: 200,
    headers: HEADERS,
    body: JSON.stringify({
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: expiresIn,
    }),
  }),
  error: (code: OAuthErrorCode, challenge = false): TokenAnswer => ({
    statusCode: STATUS[code],
    headers: challenge ? { ...HEADERS, 'www-authenticate': BASIC_CHALLENGE } : HEADERS,
    body: JSON.stringify({ error: code }),
  }),
  forbidden: (): TokenAnswer => ({ ...answers.forbidden(), headers: HEADERS }),
  unavailable: (): TokenAnswer => ({ ...answers.unavailable(), headers: HEADERS }),
};
