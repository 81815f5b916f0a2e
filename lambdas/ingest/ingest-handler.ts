import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { bodyHash } from '../core/hash.js';
import { answers } from '../core/http-answers.js';
import { lowerCaseHeaders } from '../core/http-request.js';
import type { Log } from '../core/ports.js';
import type { DeliveryLog, DeliveryRecord, RefusedBodyStore } from '../core/delivery-log.js';
import { describeError, toResult } from '../runtime/http-handler.js';
import { UNEXPECTED_ERROR, UNKNOWN_VENDOR } from '../runtime/metrics.js';
import {
  ingestDelivery,
  MAX_QUEUE_MESSAGE_BYTES,
  requestBytes,
  type IngestDeps,
  type IngestOutcome,
  type IngestResult,
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

/**
 * Maps an API Gateway HTTP API (payload v2) event to `ingestDelivery` and back, and leaves one
 * `DeliveryRecord` per attempt, whatever happened: a log line (a refusal as a warning, a failure
 * as an error with its error described), the optional delivery log, and, when switched on, the
 * refused body. Neither the delivery log nor the body store can change the answer, or hold it
 * back longer than `recordBoundMs`.
 */
export function createIngestHandler(
  deps: IngestHandlerDeps,
): (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2> {
  const now = deps.now ?? (() => new Date());
  const boundMs = deps.recordBoundMs ?? DEFAULT_RECORD_BOUND_MS;
  return async (event) => {
    const requestId = event.requestContext.requestId;
    const bytes = requestBytes(event);
    let receivedAt = new Date();
    let served: IngestResult | undefined;
    let defect: unknown;
    try {
      receivedAt = now();
      served = await ingestDelivery(
        {
          path: event.rawPath,
          headers: event.headers ?? {},
          ...(event.body !== undefined && { body: event.body }),
          isBase64Encoded: event.isBase64Encoded,
          bytes,
          sourceIp: event.requestContext.http.sourceIp,
          requestId,
          now: receivedAt,
        },
        deps,
      );
    } catch (error) {
      defect = error;
    }
    const answer = served?.answer ?? answers.unavailable();
    const outcome: IngestOutcome = served?.outcome ?? defectOutcome(event.rawPath, bytes, defect);
    const record: DeliveryRecord = {
      receivedAt: receivedAt.toISOString(),
      ...(outcome.vendor !== undefined && { vendor: outcome.vendor }),
      route: event.rawPath,
      sourceIp: event.requestContext.http.sourceIp,
      requestId,
      bodyBytes: outcome.bodyBytes,
      status: answer.statusCode,
      result: outcome.result,
      ...(outcome.reason !== undefined && { reason: outcome.reason }),
      ...(outcome.dedupId !== undefined && { dedupId: outcome.dedupId }),
      contentHash: bodyHash(bytes),
    };
    // A body over the queue's limit is not kept: its size is the reason, and a flood of large
    // bodies must not become a storage bill.
    const keepable = bytes.length <= (deps.maxMessageBytes ?? MAX_QUEUE_MESSAGE_BYTES);
    const bodyRef =
      outcome.result === 'refused' && keepable && deps.refusedBodies
        ? await settleWithin(
            deps.refusedBodies.keep({
              vendor: outcome.vendor ?? deps.vendorId ?? UNKNOWN_VENDOR,
              requestId,
              receivedAt: record.receivedAt,
              bytes,
              ...contentTypeOf(event),
            }),
            boundMs,
            (error) =>
              deps.log.error('refused body not kept', { requestId, error: describeError(error) }),
          )
        : undefined;
    const logged: DeliveryRecord = { ...record, ...(bodyRef !== undefined && { bodyRef }) };
    logDelivery(deps.log, logged, outcome, served === undefined);
    if (deps.deliveryLog) {
      await settleWithin(deps.deliveryLog.record(logged), boundMs, (error) =>
        deps.log.error('delivery log not written', { requestId, error: describeError(error) }),
      );
    }
    return toResult(answer);
  };
}

/** The request's content type, read only for a refused body that is kept. */
function contentTypeOf(event: APIGatewayProxyEventV2): { contentType?: string } {
  const contentType = lowerCaseHeaders(event.headers ?? {})['content-type'];
  return contentType === undefined ? {} : { contentType };
}

/** The one line per delivery: its record, which candidate matched, and a failure's error. */
function logDelivery(
  log: Log,
  record: DeliveryRecord,
  outcome: IngestOutcome,
  isDefect: boolean,
): void {
  const entry = {
    ...record,
    ...(outcome.matched !== undefined && { matched: outcome.matched }),
  };
  if (record.result === 'accepted') log.info(MESSAGES.accepted, entry);
  else if (record.result === 'refused') log.warn(MESSAGES.refused, entry);
  else {
    const message = isDefect ? MESSAGES.defect : MESSAGES.failed;
    log.error(message, { ...entry, error: describeError(outcome.error) });
  }
}

/** A defect's outcome: nothing was queued; the vendor is the route's, when it names one. */
function defectOutcome(path: string, bytes: Buffer, error: unknown): IngestOutcome {
  const vendor = findVendorByRoute(path)?.id;
  return {
    result: 'failed',
    ...(vendor !== undefined && { vendor }),
    reason: UNEXPECTED_ERROR,
    bodyBytes: bytes.length,
    error,
  };
}
