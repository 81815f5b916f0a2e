import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Log } from '../core/ports.js';
import { createHttpHandler } from '../runtime/http-handler.js';
import {
  NO_METRICS,
  NO_REASON,
  UNEXPECTED_ERROR,
  type MetricRecorder,
} from '../runtime/metrics.js';
import { issueToken, type TokenDeps, type TokenOutcome } from './issue-token.js';
import { tokenAnswers } from './token-answers.js';

/** {@link Log}, kept under this name for the handler's callers. */
export type TokenLog = Log;

export interface TokenHandlerDeps extends TokenDeps {
  readonly log: TokenLog;
  /** Where each request's outcome is counted. @default nothing is recorded */
  readonly metrics?: MetricRecorder;
  readonly now?: () => Date;
}

/**
 * Maps an API Gateway HTTP API (payload v2) event to `issueToken` and back; its log lines never
 * carry client ids, secrets or tokens either.
 */
export function createTokenHandler(
  deps: TokenHandlerDeps,
): (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2> {
  const now = deps.now ?? (() => new Date());
  const metrics = deps.metrics ?? NO_METRICS;
  return createHttpHandler<TokenOutcome>({
    log: deps.log,
    messages: {
      issued: 'token issued',
      refused: 'token refused',
      failed: 'token not issued',
      defect: 'token not issued: unexpected error',
    },
    handle: (event) =>
      issueToken(
        {
          method: event.requestContext.http.method,
          headers: event.headers ?? {},
          ...(event.body !== undefined && { body: event.body }),
          // HTTP APIs base64-encode form bodies, so both forms arrive here.
          isBase64Encoded: event.isBase64Encoded,
          sourceIp: event.requestContext.http.sourceIp,
          now: now(),
        },
        deps,
      ),
    unavailable: tokenAnswers.unavailable,
    count: (outcome) =>
      metrics.record('TokenRequests', 1, {
        outcome: outcome?.result ?? 'failed',
        reason: outcome ? (outcome.reason ?? NO_REASON) : UNEXPECTED_ERROR,
      }),
  });
}
