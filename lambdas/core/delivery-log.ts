/**
 * The delivery log: one record per delivery attempt, accepted or refused, that an operator can
 * query (DESIGN §3). A record carries ids, sizes and reason codes, never content: the body, when
 * kept at all, is kept apart (refused bodies only, opt-in, encrypted, short-lived).
 */

/** What ingest answered: the delivery was queued, refused for a reason, or not queued (503). */
export type DeliveryResult = 'accepted' | 'refused' | 'failed';

export interface DeliveryRecord {
  /** When the delivery arrived (ISO 8601). */
  readonly receivedAt: string;
  /** The vendor whose route was called; absent for an unknown route. */
  readonly vendor?: string;
  readonly route: string;
  /** The TCP peer as API Gateway saw it. */
  readonly sourceIp: string;
  readonly requestId: string;
  readonly bodyBytes: number;
  /** The HTTP status ingest answered. */
  readonly status: number;
  readonly result: DeliveryResult;
  /** The reason code of a refusal or failure (`IngestReason`). */
  readonly reason?: string;
  /** The dedup id of an accepted delivery. */
  readonly dedupId?: string;
  /**
   * SHA-256 (hex) of the body as received: the attempts of one content share it, so a query
   * counts a vendor's retries of the same delivery.
   */
  readonly contentHash: string;
  /** Where the refused body was kept, when keeping refused bodies is switched on. */
  readonly bodyRef?: string;
}

export interface DeliveryLog {
  /** Records one attempt; never throws (a log that cannot write must not refuse a delivery). */
  record(record: DeliveryRecord): Promise<void>;
}

/**
 * The build constant (esbuild `define`) saying whether an ingest bundle holds the refused-body
 * store: only functions of a stack that keeps refused bodies load the S3 client.
 */
export const REFUSED_BODIES_BUILD_CONSTANT = 'KYC_KEEPS_REFUSED_BODIES';

/** The local delivery log's file name, beside local mode's events file. */
export const LOCAL_DELIVERIES_FILE_NAME = 'deliveries.jsonl';

/** A refused delivery's body, to keep for diagnosis when the operator switched that on. */
export interface RefusedBody {
  /** The vendor whose route was called, or the function's own for an unknown route. */
  readonly vendor: string;
  readonly requestId: string;
  readonly receivedAt: string;
  readonly bytes: Uint8Array;
  readonly contentType?: string;
}

export interface RefusedBodyStore {
  /** Keeps the body and resolves with where it is (the record's `bodyRef`); throws otherwise. */
  keep(body: RefusedBody): Promise<string>;
}

/**
 * Where a refused body is kept, relative to the store: `<vendor>/<day>/<time>_<requestId>`. The
 * vendor comes first so a function may be allowed to write under its own vendor only; the
 * request id is made safe for a file name.
 */
export function refusedBodyKey(body: RefusedBody): string {
  const day = body.receivedAt.slice(0, 10);
  const time = body.receivedAt.slice(11).replace(/[^0-9]/g, '');
  const safe = (text: string): string => text.replace(/[^A-Za-z0-9._-]/g, '_');
  return `${safe(body.vendor)}/${safe(day)}/${time}_${safe(body.requestId)}`;
}

const RESULTS: readonly string[] = ['accepted', 'refused', 'failed'] satisfies DeliveryResult[];

/** One line of a delivery log file, or `undefined` when it is not a record (never throws). */
export function parseDeliveryRecord(line: string): DeliveryRecord | undefined {
  try {
    return toDeliveryRecord(JSON.parse(line));
  } catch {
    return undefined;
  }
}

/** `value` when it has a record's shape, else `undefined`. */
export function toDeliveryRecord(value: unknown): DeliveryRecord | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const r = value as Record<string, unknown>;
  const text = (key: string): boolean => typeof r[key] === 'string';
  const optionalText = (key: string): boolean => r[key] === undefined || text(key);
  const ok =
    ['receivedAt', 'route', 'sourceIp', 'requestId', 'contentHash'].every(text) &&
    ['vendor', 'reason', 'dedupId', 'bodyRef'].every(optionalText) &&
    Number.isInteger(r['bodyBytes']) &&
    Number.isInteger(r['status']) &&
    RESULTS.includes(r['result'] as string);
  return ok ? (value as DeliveryRecord) : undefined;
}

/** How many attempts carried each content (by `contentHash`): a vendor's retries of one body. */
export function countAttempts(records: Iterable<DeliveryRecord>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { contentHash } of records)
    counts.set(contentHash, (counts.get(contentHash) ?? 0) + 1);
  return counts;
}

/** Which records an operator asks for: a time window, and optionally one vendor or refusals. */
export interface DeliveryQuery {
  /** The window's start (ISO 8601); attempts are counted within the window too. */
  readonly since: string;
  /** The window's end (ISO 8601). */
  readonly until: string;
  readonly vendor?: string;
  /** Only attempts that were not accepted (refused, or not queued). */
  readonly notAccepted?: boolean;
  /** The newest this many. */
  readonly limit: number;
}

/** A record with the number of attempts in the window that carried the same content. */
export type CountedDelivery = DeliveryRecord & { readonly attempts: number };

/**
 * Answers a query over records already in hand (local mode's file): the newest first, each with
 * the attempts of its content in the window, whatever the vendor and refusal filters.
 */
export function selectDeliveries(
  records: readonly DeliveryRecord[],
  query: DeliveryQuery,
): CountedDelivery[] {
  const inWindow = records.filter(
    (record) => record.receivedAt >= query.since && record.receivedAt <= query.until,
  );
  const attempts = countAttempts(inWindow);
  // Newest first; of two at the same instant, the one recorded later.
  return [...inWindow]
    .reverse()
    .filter((record) => query.vendor === undefined || record.vendor === query.vendor)
    .filter((record) => !query.notAccepted || record.result !== 'accepted')
    .sort((a, b) => (a.receivedAt < b.receivedAt ? 1 : a.receivedAt > b.receivedAt ? -1 : 0))
    .slice(0, query.limit)
    .map((record) => ({ ...record, attempts: attempts.get(record.contentHash) ?? 1 }));
}
