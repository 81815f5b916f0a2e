import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Log } from '../core/ports.js';

/** What one request came to: `failed` outcomes carry the error behind them. */
export interface RequestOutcome {
  readonly result: string;
  readonly error?: unknown;
}

export interface HttpAnswerOut {
  readonly statusCode: number;
  readonly body: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface HttpHandlerSpec<O extends RequestOutcome> {
  readonly log: Log;
  /** The log line for each result, and for a defect (an exception, not an outcome). */
  readonly messages: Readonly<Record<O['result'] | 'defect', string>>;
  /** Serves one request: the answer and what happened. */
  readonly handle: (
    event: APIGatewayProxyEventV2,
    requestId: string,
  ) => Promise<{ readonly answer: HttpAnswerOut; readonly outcome: O }>;
  /** The answer to a defect: nothing was done, so the caller should retry. */
  readonly unavailable: () => HttpAnswerOut;
  /** Counts an outcome, or a defect (`undefined`). */
  readonly count: (outcome: O | undefined) => void;
}

/**
 * The shape every HTTP function shares: serve the request, answer a defect 503, and log and count
 * what happened with reason codes and ids only — a refusal as a warning, a failure as an error
 * with its error described, never headers, bodies or credentials.
 */
export function createHttpHandler<O extends RequestOutcome>(
  spec: HttpHandlerSpec<O>,
): (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2> {
  return async (event) => {
    const requestId = event.requestContext.requestId;
    let result: Awaited<ReturnType<HttpHandlerSpec<O>['handle']>>;
    try {
      result = await spec.handle(event, requestId);
    } catch (error) {
      spec.log.error(spec.messages.defect, { requestId, error: describeError(error) });
      spec.count(undefined);
      return toResult(spec.unavailable());
    }
    logOutcome(spec, requestId, result.outcome);
    spec.count(result.outcome);
    return toResult(result.answer);
  };
}

/** The API Gateway (payload v2) result of an answer: always JSON. */
export function toResult(answer: HttpAnswerOut): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: answer.statusCode,
    headers: { 'content-type': 'application/json', ...answer.headers },
    body: answer.body,
  };
}

function logOutcome<O extends RequestOutcome>(
  spec: HttpHandlerSpec<O>,
  requestId: string,
  outcome: O,
): void {
  const { error, result, ...attributes } = outcome;
  const message = spec.messages[result as O['result']];
  const entry = { requestId, ...attributes };
  if (result === 'refused') spec.log.warn(message, entry);
  else if (result === 'failed') spec.log.error(message, { ...entry, error: describeError(error) });
  else spec.log.info(message, entry);
}

/** An error's name and message: ours and the SDK's carry no request content. */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
