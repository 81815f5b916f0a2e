import { ConfigurationError } from '../core/errors.js';
import { answerPolicyOf, answers, type HttpAnswer } from '../core/http-answers.js';
import { decodeUtf8, lowerCaseHeaders } from '../core/http-request.js';
import type { EventQueue, SecretSource } from '../core/ports.js';
import { serializeQueueMessage, type QueueMessage } from '../core/queue-message.js';
import type { RefusalReason, RejectionReason } from '../core/vendor.js';
import { findVendorByRoute } from '../vendors/registry.js';
import { loadVendorAccess, type VendorAccess } from './vendor-access.js';

/** SQS's largest message (1 MiB); the serialized queue message must fit in it. */
export const MAX_QUEUE_MESSAGE_BYTES = 1_048_576;

/** An HTTP delivery as API Gateway (HTTP API, payload v2) or the local server hands it over. */
export interface IngestRequest {
  readonly path: string;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body?: string;
  readonly isBase64Encoded: boolean;
  /** `body` decoded (`requestBytes`), when the caller has decoded it already. */
  readonly bytes?: Buffer;
  /** The TCP peer as API Gateway saw it; never taken from `X-Forwarded-For`. */
  readonly sourceIp: string;
  readonly requestId: string;
  readonly now: Date;
}

export interface IngestDeps {
  readonly secrets: SecretSource;
  readonly queue: EventQueue;
  /** When set, this function serves only that vendor (one function per vendor in AWS). */
  readonly vendorId?: string;
  readonly maxMessageBytes?: number;
}

export type IngestReason =
  | RejectionReason
  | 'unknown_route'
  | 'ip_not_allowed'
  | 'body_too_large'
  | 'configuration_error'
  | 'secret_unavailable'
  | 'queue_unavailable'
  /** A defect: an exception, not an outcome (the handler answers 503). */
  | 'unexpected_error';

/** What happened, for the log and metrics: reason codes and ids, never content. */
export interface IngestOutcome {
  readonly result: 'accepted' | 'refused' | 'failed';
  readonly vendor?: string;
  readonly reason?: IngestReason;
  readonly dedupId?: string;
  /** Which candidate message a multi-candidate signature check matched. */
  readonly matched?: string;
  readonly bodyBytes: number;
  /** The error behind a `failed` outcome, for the log. */
  readonly error?: unknown;
}

export interface IngestResult {
  readonly answer: HttpAnswer;
  readonly outcome: IngestOutcome;
}

/** The body's bytes as the vendor sent them (API Gateway base64-encodes non-text bodies). */
export function requestBytes(request: Pick<IngestRequest, 'body' | 'isBase64Encoded'>): Buffer {
  return Buffer.from(request.body ?? '', request.isBase64Encoded ? 'base64' : 'utf8');
}

/**
 * Proves a delivery genuine and queues its raw body (DESIGN §3). A 2xx is returned only after
 * the queue accepted the message; every refusal is a value with a reason code.
 */
export async function ingestDelivery(
  request: IngestRequest,
  deps: IngestDeps,
): Promise<IngestResult> {
  const bytes = request.bytes ?? requestBytes(request);
  const bodyBytes = bytes.length;
  const vendor = findVendorByRoute(request.path);
  if (!vendor || (deps.vendorId !== undefined && vendor.id !== deps.vendorId)) {
    return {
      answer: answers.notFound(),
      outcome: { result: 'refused', reason: 'unknown_route', bodyBytes },
    };
  }
  const policy = answerPolicyOf(vendor.answers);
  const refuse = (reason: RefusalReason): IngestResult => ({
    answer: answers.refused(reason, policy),
    outcome: { result: 'refused', vendor: vendor.id, reason, bodyBytes },
  });
  const fail = (reason: IngestReason, error: unknown): IngestResult => ({
    answer: answers.unavailable(),
    outcome: { result: 'failed', vendor: vendor.id, reason, bodyBytes, error },
  });
  const maxBytes = deps.maxMessageBytes ?? MAX_QUEUE_MESSAGE_BYTES;
  // Cheap early refusal: a body this large cannot fit whatever the envelope.
  if (bodyBytes > maxBytes) return refuse('body_too_large');

  let access: VendorAccess;
  try {
    access = await loadVendorAccess(deps.secrets, vendor);
  } catch (error) {
    // Without credentials nothing can be verified: answer 503 so the vendor retries.
    const reason =
      error instanceof ConfigurationError ? 'configuration_error' : 'secret_unavailable';
    return fail(reason, error);
  }
  const { credentials, allowList } = access;
  if (allowList && !allowList.allows(request.sourceIp)) {
    return refuse('ip_not_allowed');
  }

  const text = decodeUtf8(bytes);
  const headers = lowerCaseHeaders(request.headers);
  const verification = vendor.verify(
    {
      route: request.path,
      body: text ?? bytes.toString('utf8'),
      headers,
      sourceIp: request.sourceIp,
      now: request.now,
    },
    credentials,
  );
  if (!verification.ok) return refuse(verification.reason);

  const contentType = headers['content-type'];
  const message: QueueMessage = {
    vendor: vendor.id,
    route: request.path,
    receivedAt: request.now.toISOString(),
    requestId: request.requestId,
    sourceIp: request.sourceIp,
    dedupId: verification.dedupId,
    ...(contentType !== undefined && { contentType }),
    ...(text === undefined
      ? { body: bytes.toString('base64'), bodyEncoding: 'base64' as const }
      : { body: text }),
  };
  if (Buffer.byteLength(serializeQueueMessage(message), 'utf8') > maxBytes) {
    return refuse('body_too_large');
  }
  try {
    await deps.queue.send(message);
  } catch (error) {
    return fail('queue_unavailable', error);
  }
  return {
    answer: answers.accepted(policy),
    outcome: {
      result: 'accepted',
      vendor: vendor.id,
      dedupId: verification.dedupId,
      ...(verification.matched !== undefined && { matched: verification.matched }),
      bodyBytes,
    },
  };
}
