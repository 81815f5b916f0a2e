import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Log } from '../core/ports.js';
import { answers } from '../core/http-answers.js';
import {
  NO_METRICS,
  NO_REASON,
  UNEXPECTED_ERROR,
  UNKNOWN_VENDOR,
  type MetricRecorder,
} from '../runtime/metrics.js';
import { ingestDelivery, type IngestDeps, type IngestOutcome } from './ingest-delivery.js';

/** {@link Log}, kept under this name for the handler's callers. */
export type IngestLog = Log;

export interface IngestHandlerDeps extends IngestDeps {
  readonly log: IngestLog;
  /** Where each delivery's outcome is counted. @default nothing is recorded */
  readonly metrics?: MetricRecorder;
  readonly now?: () => Date;
}

/**
 * Maps an API Gateway HTTP API (payload v2) event to `ingestDelivery` and back, and logs and
 * counts the outcome with reason codes and ids only: never headers, bodies or credentials.
 */
export function createIngestHandler(
  deps: IngestHandlerDeps,
): (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2> {
  const now = deps.now ?? (() => new Date());
  const metrics = deps.metrics ?? NO_METRICS;
  return async (event) => {
    const requestId = event.requestContext.requestId;
    let result;
    try {
      result = await ingestDelivery(
        {
          path: event.rawPath,
          headers: event.headers ?? {},
          ...(event.body !== undefined && { body: event.body }),
          isBase64Encoded: event.isBase64Encoded,
          sourceIp: event.requestContext.http.sourceIp,
          requestId,
          now: now(),
        },
        deps,
      );
    } catch (error) {
      // A defect, not an outcome: nothing was queued, so answer 503 and let the vendor retry.
      deps.log.error('delivery not queued: unexpected error', {
        requestId,
        error: describe(error),
      });
      metrics.record('Deliveries', 1, {
        vendor: deps.vendorId ?? UNKNOWN_VENDOR,
        outcome: 'failed',
        reason: UNEXPECTED_ERROR,
      });
      result = { answer: answers.unavailable(), outcome: undefined };
    }
    if (result.outcome) {
      logOutcome(deps.log, requestId, result.outcome);
      countOutcome(metrics, result.outcome, deps.vendorId);
    }
    return {
      statusCode: result.answer.statusCode,
      headers: { 'content-type': 'application/json' },
      body: result.answer.body,
    };
  };
}

function logOutcome(log: IngestLog, requestId: string, outcome: IngestOutcome): void {
  const { error, result, ...attributes } = outcome;
  const entry = { requestId, ...attributes };
  if (result === 'accepted') log.info('delivery accepted', entry);
  else if (result === 'refused') log.warn('delivery refused', entry);
  else log.error('delivery not queued', { ...entry, error: describe(error) });
}

/** One count per delivery, and its size; a refusal too large to queue is `body_too_large`. */
function countOutcome(
  metrics: MetricRecorder,
  outcome: IngestOutcome,
  functionVendor: string | undefined,
): void {
  // An unknown route names no vendor: count it under the function's own.
  const vendor = outcome.vendor ?? functionVendor ?? UNKNOWN_VENDOR;
  metrics.record('Deliveries', 1, {
    vendor,
    outcome: outcome.result,
    reason: outcome.reason ?? NO_REASON,
  });
  metrics.record('DeliveryBodyBytes', outcome.bodyBytes, { vendor, outcome: outcome.result });
}

/** An error's name and message: our messages and the SDK's carry no request content. */
function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
