import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Log } from '../core/ports.js';
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
 * Maps an API Gateway HTTP API (payload v2) event to `issueToken` and back, and logs and counts
 * the outcome with reason codes only: never headers, bodies, client ids, secrets or tokens.
 */
export function createTokenHandler(
  deps: TokenHandlerDeps,
): (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2> {
  const now = deps.now ?? (() => new Date());
  const metrics = deps.metrics ?? NO_METRICS;
  return async (event) => {
    const requestId = event.requestContext.requestId;
    let result;
    try {
      result = await issueToken(
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
      );
    } catch (error) {
      deps.log.error('token not issued: unexpected error', { requestId, error: describe(error) });
      metrics.record('TokenRequests', 1, { outcome: 'failed', reason: UNEXPECTED_ERROR });
      result = { answer: tokenAnswers.unavailable(), outcome: undefined };
    }
    if (result.outcome) {
      logOutcome(deps.log, requestId, result.outcome);
      metrics.record('TokenRequests', 1, {
        outcome: result.outcome.result,
        reason: result.outcome.reason ?? NO_REASON,
      });
    }
    const { statusCode, headers, body } = result.answer;
    return { statusCode, headers: { ...headers }, body };
  };
}

function logOutcome(log: TokenLog, requestId: string, outcome: TokenOutcome): void {
  const { error, result, ...attributes } = outcome;
  const entry = { requestId, ...attributes };
  if (result === 'issued') log.info('token issued', entry);
  else if (result === 'refused') log.warn('token refused', entry);
  else log.error('token not issued', { ...entry, error: describe(error) });
}

/** An error's name and message: ours and the SDK's carry no request content. */
function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
