import type { ApiRequest } from '../core/vendor-api.js';

/** A vendor API's answer: its HTTP status and body text, whatever the status. */
export interface ApiAnswer {
  readonly status: number;
  readonly body: string;
}

/**
 * Calls a vendor's API. Throws when no answer came (refused connection, timeout): the caller's
 * message is then retried by its queue, so a vendor outage delays enrichment and blocks nothing.
 */
export interface VendorApiClient {
  call(baseUrl: string, request: ApiRequest): Promise<ApiAnswer>;
}

/** Where a vendor API's full answer is kept, encrypted; it may hold personal data. */
export interface ResultArchive {
  /** Stores `body` under `key`; storing the same key again replaces it (retries are safe). */
  put(key: string, body: string): Promise<void>;
}
