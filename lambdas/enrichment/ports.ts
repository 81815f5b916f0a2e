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
  put(key: string, body: string | Uint8Array, contentType?: string): Promise<void>;
}

/** A downloaded link: its bytes, exactly as served, and their type. */
export interface FetchedLink {
  readonly body: Uint8Array;
  readonly contentType: string;
}

/**
 * A link that will never be fetched, however often asked: refused by the rules below, a name that
 * does not resolve, or a 3xx/4xx answer (an expired pre-signed link answers 403). Its message
 * names the host at most. Any other error is taken for transient and the message retried.
 */
export class LinkRefusedError extends Error {}

/**
 * Downloads a link a delivery carried. The link may be a credential (pre-signed) and may point
 * anywhere, so an implementation refuses what could reach inside a network, and neither it nor
 * its errors ever show the link (the host at most).
 */
export interface LinkFetcher {
  fetch(link: string): Promise<FetchedLink>;
}
