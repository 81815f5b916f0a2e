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

/** The attributes of a request's log line. */
export type LineAttributes = Record<string, unknown>;

/**
 * One HTTP function: how it serves a request, and how it logs and counts what happened. `R` is
 * what one request carries from step to step, for a function that needs more than the event.
 */
export interface HttpHandlerSpec<O extends RequestOutcome, R = undefined> {
  readonly log: Log;
  /** The log line for each result, and for a defect (an exception, not an outcome). */
  readonly messages: Readonly<Record<O['result'] | 'defect', string>>;
  /** Made before the request is served, and handed to each step below. @default nothing */
  readonly begin?: (event: APIGatewayProxyEventV2, requestId: string) => R;
  /** Serves one request: the answer and what happened. */
  readonly handle: (
    event: APIGatewayProxyEventV2,
    requestId: string,
    request: R,
  ) => Promise<{ readonly answer: HttpAnswerOut; readonly outcome: O }>;
  /** The answer to a defect: nothing was done, so the caller should retry. */
  readonly unavailable: () => HttpAnswerOut;
  /** Counts an outcome, or a defect (`undefined`). @default nothing is counted */
  readonly count?: (outcome: O | undefined) => void;
  /**
   * A defect as an outcome with the defect as its `error`, for a function whose every request
   * leaves the same line whatever happened. @default none: a defect's line carries the request
   * id and the error only
   */
  readonly defectOutcome?: (request: R, error: unknown) => O;
  /**
   * The line's attributes for an outcome, when they are more than the request id and the
   * outcome's own; whatever it waits for, it waits a bounded time. @default those two
   */
  readonly describe?: (
    request: R,
    answer: HttpAnswerOut,
    outcome: O,
  ) => LineAttributes | Promise<LineAttributes>;
  /** Done once the line is written, before the answer leaves; bounded, and never throws. */
  readonly afterLog?: (request: R) => Promise<unknown>;
}

/**
 * The shape every HTTP function shares: serve the request, answer a defect 503, and log and count
 * what happened with reason codes and ids only — a refusal as a warning, a failure as an error
 * with its error described, never headers, bodies or credentials.
 */
export function createHttpHandler<O extends RequestOutcome, R = undefined>(
  spec: HttpHandlerSpec<O, R>,
): (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2> {
  return async (event) => {
    const requestId = event.requestContext.requestId;
    const request = spec.begin?.(event, requestId) as R;
    let answer: HttpAnswerOut;
    let outcome: O | undefined;
    let defect = false;
    try {
      ({ answer, outcome } = await spec.handle(event, requestId, request));
    } catch (error) {
      answer = spec.unavailable();
      defect = true;
      outcome = spec.defectOutcome?.(request, error);
      if (outcome === undefined) {
        writeLine(spec.log, spec.messages.defect, 'failed', { requestId }, error);
      }
    }
    if (outcome !== undefined) {
      const described =
        spec.describe?.(request, answer, outcome) ?? attributesOf(requestId, outcome);
      // Awaited only when it is a promise: most requests have nothing to wait for.
      const attributes = described instanceof Promise ? await described : described;
      const message = defect ? spec.messages.defect : spec.messages[outcome.result as O['result']];
      writeLine(spec.log, message, outcome.result, attributes, outcome.error);
    }
    spec.count?.(defect ? undefined : outcome);
    if (spec.afterLog) await spec.afterLog(request);
    return toResult(answer);
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

function attributesOf(requestId: string, outcome: RequestOutcome): LineAttributes {
  const { error: _error, result: _result, ...attributes } = outcome;
  return { requestId, ...attributes };
}

/** A refusal as a warning, a failure as an error with its error described, the rest as info. */
function writeLine(
  log: Log,
  message: string,
  result: string,
  attributes: LineAttributes,
  error: unknown,
): void {
  if (result === 'refused') log.warn(message, attributes);
  else if (result === 'failed') log.error(message, { ...attributes, error: describeError(error) });
  else log.info(message, attributes);
}

/** An error's name and message: ours and the SDK's carry no request content. */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
