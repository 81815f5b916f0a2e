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

/** The local delivery log's file name, beside local mode's events file. */
export const LOCAL_DELIVERIES_FILE_NAME = 'deliveries.jsonl';
