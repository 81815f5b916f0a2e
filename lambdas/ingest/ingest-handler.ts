import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Log } from '../core/ports.js';
import { answers } from '../core/http-answers.js';
import { createHttpHandler } from '../runtime/http-handler.js';
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

/** Maps an API Gateway HTTP API (payload v2) event to `ingestDelivery` and back. */
export function createIngestHandler(
  deps: IngestHandlerDeps,
): (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2> {
  const now = deps.now ?? (() => new Date());
  const metrics = deps.metrics ?? NO_METRICS;
  return createHttpHandler<IngestOutcome>({
    log: deps.log,
    messages: {
      accepted: 'delivery accepted',
      refused: 'delivery refused',
      failed: 'delivery not queued',
      // A defect, not an outcome: nothing was queued, so answer 503 and let the vendor retry.
      defect: 'delivery not queued: unexpected error',
    },
    handle: (event, requestId) =>
      ingestDelivery(
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
      ),
    unavailable: answers.unavailable,
    count: (outcome) => countOutcome(metrics, outcome, deps.vendorId),
  });
}

/** One count per delivery, and its size; a defect counts as `unexpected_error`. */
function countOutcome(
  metrics: MetricRecorder,
  outcome: IngestOutcome | undefined,
  functionVendor: string | undefined,
): void {
  // An unknown route names no vendor: count it under the function's own.
  const vendor = outcome?.vendor ?? functionVendor ?? UNKNOWN_VENDOR;
  if (!outcome) {
    metrics.record('Deliveries', 1, { vendor, outcome: 'failed', reason: UNEXPECTED_ERROR });
    return;
  }
  metrics.record('Deliveries', 1, {
    vendor,
    outcome: outcome.result,
    reason: outcome.reason ?? NO_REASON,
  });
  metrics.record('DeliveryBodyBytes', outcome.bodyBytes, { vendor, outcome: outcome.result });
}
