import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { bodyHash } from '../core/hash.js';
import { answers } from '../core/http-answers.js';
import { lowerCaseHeaders } from '../core/http-request.js';
import type { Log } from '../core/ports.js';
import type { DeliveryLog, DeliveryRecord, RefusedBodyStore } from '../core/delivery-log.js';
import {
  createHttpHandler,
  describeError,
  type HttpAnswerOut,
  type LineAttributes,
} from '../runtime/http-handler.js';
import { UNEXPECTED_ERROR, UNKNOWN_VENDOR } from '../runtime/metrics.js';
import {
  ingestDelivery,
  MAX_QUEUE_MESSAGE_BYTES,
  requestBytes,
  type IngestDeps,
  type IngestOutcome,
} from './ingest-delivery.js';
import { findVendorByRoute } from '../vendors/registry.js';
import { settleWithin } from './settle-within.js';

/** {@link Log}, kept under this name for the handler's callers. */
export type IngestLog = Log;

/** How long a delivery may wait for the delivery log and the refused-body store. */
export const DEFAULT_RECORD_BOUND_MS = 2_000;

export interface IngestHandlerDeps extends IngestDeps {
  /**
   * Gets one line per delivery, carrying its whole `DeliveryRecord`: deployed, this line is the
   * delivery log (CloudWatch Logs Insights reads it) and what the delivery metrics are counted
   * from (metric filters, lambdas/runtime/delivery-metrics.ts).
   */
  readonly log: IngestLog;
  readonly now?: () => Date;
  /** Another place each record goes, beside the log line (local mode's file). @default none */
  readonly deliveryLog?: DeliveryLog;
  /** Where refused bodies are kept. @default none: refused bodies are not kept */
  readonly refusedBodies?: RefusedBodyStore;
  /** The longest a delivery waits for `deliveryLog` and `refusedBodies`. @default 2 s */
  readonly recordBoundMs?: number;
}

const MESSAGES = {
  accepted: 'delivery accepted',
  refused: 'delivery refused',
  failed: 'delivery not queued',
  // A defect, not an outcome: nothing was queued, so answer 503 and let the vendor retry.
  defect: 'delivery not queued: unexpected error',
} as const;

/** What one delivery carries from step to step of the shared HTTP handler. */
interface Delivery {
  readonly event: APIGatewayProxyEventV2;
  readonly requestId: string;
  readonly bytes: Buffer;
  /** Read from the clock when serving starts; a broken clock is a defect, timed by the system. */
  receivedAt?: Date;
  /** The record, once made: the log line carries it, and then the delivery log. */
  record?: DeliveryRecord;
}

/**
 * Maps an API Gateway HTTP API (payload v2) event to `ingestDelivery` and back through the shared
 * HTTP handler, and leaves one `DeliveryRecord` per attempt, whatever happened: the log line, the
 * optional delivery log, and, when switched on, the refused body. Neither the delivery log nor
 * the body store can change the answer, or hold it back longer than `recordBoundMs`.
 */
export function createIngestHandler(
  deps: IngestHandlerDeps,
): (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2> {
  const now = deps.now ?? (() => new Date());
  const boundMs = deps.recordBoundMs ?? DEFAULT_RECORD_BOUND_MS;
  const maxBytes = deps.maxMessageBytes ?? MAX_QUEUE_MESSAGE_BYTES;
  const { deliveryLog } = deps;
  return createHttpHandler<IngestOutcome, Delivery>({
    log: deps.log,
    messages: MESSAGES,
    begin: (event, requestId) => ({ event, requestId, bytes: requestBytes(event) }),
    handle: (event, requestId, delivery) => {
      const receivedAt = now();
      delivery.receivedAt = receivedAt;
      return ingestDelivery(
        {
          path: event.rawPath,
          headers: event.headers ?? {},
          ...(event.body !== undefined && { body: event.body }),
          isBase64Encoded: event.isBase64Encoded,
          bytes: delivery.bytes,
          sourceIp: event.requestContext.http.sourceIp,
          requestId,
          now: receivedAt,
        },
        deps,
      );
    },
    unavailable: answers.unavailable,
    defectOutcome,
    describe: (delivery, answer, outcome) => {
      const receivedAt = (delivery.receivedAt ?? new Date()).toISOString();
      const store = deps.refusedBodies;
      // A body over the queue's limit is not kept: its size is the reason, and a flood of large
      // bodies must not become a storage bill.
      if (outcome.result !== 'refused' || store === undefined || delivery.bytes.length > maxBytes) {
        return lineOf(delivery, recordOf(delivery, receivedAt, answer, outcome), outcome);
      }
      return keepBody(store, deps, boundMs, delivery, receivedAt, outcome).then((bodyRef) =>
        lineOf(delivery, recordOf(delivery, receivedAt, answer, outcome, bodyRef), outcome),
      );
    },
    ...(deliveryLog && {
      // Every delivery has its record by now: a defect too is described as an outcome.
      afterLog: ({ record, requestId }) =>
        settleWithin(deliveryLog.record(record!), boundMs, (error) =>
          deps.log.error('delivery log not written', { requestId, error: describeError(error) }),
        ),
    }),
  });
}

/** The delivery's record: ids, sizes, the answer and reason, never content. */
function recordOf(
  delivery: Delivery,
  receivedAt: string,
  answer: HttpAnswerOut,
  outcome: IngestOutcome,
  bodyRef?: string,
) {
  const { event } = delivery;
  return {
    receivedAt,
    ...(outcome.vendor !== undefined && { vendor: outcome.vendor }),
    route: event.rawPath,
    sourceIp: event.requestContext.http.sourceIp,
    requestId: delivery.requestId,
    bodyBytes: outcome.bodyBytes,
    status: answer.statusCode,
    result: outcome.result,
    ...(outcome.reason !== undefined && { reason: outcome.reason }),
    ...(outcome.dedupId !== undefined && { dedupId: outcome.dedupId }),
    contentHash: bodyHash(delivery.bytes),
    ...(bodyRef !== undefined && { bodyRef }),
  } satisfies DeliveryRecord;
}

/** The one line per delivery: its record, and which candidate matched. */
function lineOf(
  delivery: Delivery,
  record: DeliveryRecord & LineAttributes,
  outcome: IngestOutcome,
): LineAttributes {
  delivery.record = record;
  return outcome.matched === undefined ? record : { ...record, matched: outcome.matched };
}

/** Keeps a refused body within the bound: where it went, or `undefined` (logged why). */
function keepBody(
  store: RefusedBodyStore,
  deps: IngestHandlerDeps,
  boundMs: number,
  delivery: Delivery,
  receivedAt: string,
  outcome: IngestOutcome,
): Promise<string | undefined> {
  const { requestId } = delivery;
  const contentType = lowerCaseHeaders(delivery.event.headers ?? {})['content-type'];
  return settleWithin(
    store.keep({
      vendor: outcome.vendor ?? deps.vendorId ?? UNKNOWN_VENDOR,
      requestId,
      receivedAt,
      bytes: delivery.bytes,
      ...(contentType !== undefined && { contentType }),
    }),
    boundMs,
    (error) => deps.log.error('refused body not kept', { requestId, error: describeError(error) }),
  );
}

/** A defect's outcome: nothing was queued; the vendor is the route's, when it names one. */
function defectOutcome(delivery: Delivery, error: unknown): IngestOutcome {
  const vendor = findVendorByRoute(delivery.event.rawPath)?.id;
  return {
    result: 'failed',
    ...(vendor !== undefined && { vendor }),
    reason: UNEXPECTED_ERROR,
    bodyBytes: delivery.bytes.length,
    error,
  };
}
