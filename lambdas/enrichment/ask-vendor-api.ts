import { KycError } from '../core/errors.js';
import { bodyHash } from '../core/hash.js';
import { parseJson } from '../core/json.js';
import type { EventQueue, Log, SecretSource } from '../core/ports.js';
import type { Status, SubjectRef } from '../core/event.js';
import {
  apiRoute,
  baseUrlOf,
  isLinkArchive,
  readApiCredentials,
  type ApiFindingsMessage,
} from '../core/vendor-api.js';
import type { Vendor } from '../core/vendor.js';
import type { ResultArchive, VendorApiClient } from './ports.js';

/** A vendor API that answered, but not with a result: the message is retried, then dead-lettered. */
export class VendorApiError extends KycError {
  constructor(vendorId: string, status: number) {
    super('vendor_api_failed', `The ${vendorId} API answered ${status}; will retry`);
  }
}

export interface AskDeps {
  readonly secrets: SecretSource;
  readonly api: VendorApiClient;
  readonly archive: ResultArchive;
  /** The ingest queue: what the API says goes through the processor like any delivery. */
  readonly queue: EventQueue;
  readonly now: () => Date;
  readonly log: Log;
  /** Local mode and tests point every vendor at a stand-in of its API. @default the vendor's own */
  readonly baseUrlFor?: (vendorId: string) => string | undefined;
}

export interface AskRequest {
  readonly vendor: Vendor;
  readonly subject: SubjectRef;
  readonly origin: ApiFindingsMessage['origin'];
  /** For enrichment: the event whose result is fetched, which makes the queued event's id. */
  readonly confirmsEventId?: string;
  /** For enrichment: the status that event claimed, which the answer confirms or not. */
  readonly claimedStatus?: Status;
}

/**
 * What asking came to: `queued` (the answer is archived and its findings queued as an event),
 * `not-configured` (the vendor's secret has no API credentials: it is not asked), or
 * `unreadable` (a 2xx answer that is not a result; archived, nothing queued).
 */
export type AskOutcome = 'queued' | 'not-configured' | 'unreadable';

/**
 * Asks a vendor's API about one subject, archives the whole answer, and queues what consumers
 * decide on as a message of the answer's own route. Idempotent: the queued message's dedup id is
 * the triggering event's (enrichment) or the answer's findings' (reconciliation), so a retry, or
 * a second sweep that learns nothing new, is stored once.
 */
export async function askVendorApi(request: AskRequest, deps: AskDeps): Promise<AskOutcome> {
  const { vendor, subject, origin } = request;
  const api = vendor.api;
  // A link-archiving vendor has no API to ask (see `archiveLinks`).
  if (!api || isLinkArchive(api)) return 'not-configured';
  const secret = await deps.secrets.get(vendor.id);
  const credentials = readApiCredentials(
    (secret ?? {}) as Readonly<Record<string, unknown>>,
    api,
    vendor.id,
  );
  if (!credentials) return 'not-configured';
  const baseUrl = deps.baseUrlFor?.(vendor.id) ?? baseUrlOf(api, credentials, vendor.id);
  const answer = await deps.api.call(baseUrl, api.request(subject, credentials));
  if (answer.status < 200 || answer.status > 299) {
    throw new VendorApiError(vendor.id, answer.status);
  }
  const reading = api.read(parseJson(answer.body));
  const seed = request.confirmsEventId ?? JSON.stringify([subject.kind, subject.id, reading]);
  const digest = resultDigest(seed);
  const resultKey = `${vendor.id}/${origin}/${digest}.json`;
  await deps.archive.put(resultKey, answer.body);
  if (!reading) {
    deps.log.warn('vendor API answer is not a result', { vendor: vendor.id, origin, resultKey });
    return 'unreadable';
  }
  await queueFindings(
    vendor.id,
    {
      origin,
      subject,
      vendorEventType: api.resultEventType,
      reading,
      resultKey,
      ...(request.confirmsEventId !== undefined && { confirmsEventId: request.confirmsEventId }),
      ...(request.claimedStatus !== undefined && {
        confirmed: reading.status === request.claimedStatus,
      }),
    },
    { digest, sourceIp: new URL(baseUrl).hostname },
    deps,
  );
  return 'queued';
}

/** The id of one fetched result: its object keys and its queued message's dedup id derive from it. */
export function resultDigest(seed: string): string {
  return bodyHash(seed).slice(0, 32);
}

/**
 * Queues what a vendor's API said as a message of the answer's own route, so the processor
 * stores and publishes it like any delivery; `digest` (see `resultDigest`) makes a retry's
 * message the same one.
 */
export async function queueFindings(
  vendorId: string,
  message: ApiFindingsMessage,
  from: { readonly digest: string; readonly sourceIp: string },
  deps: Pick<AskDeps, 'queue' | 'now'>,
): Promise<void> {
  await deps.queue.send({
    vendor: vendorId,
    route: apiRoute(vendorId, message.origin),
    receivedAt: deps.now().toISOString(),
    requestId: from.digest,
    sourceIp: from.sourceIp,
    dedupId: `${message.origin}:${from.digest}`,
    contentType: 'application/json',
    body: JSON.stringify(message),
  });
}
