/**
 * How long one vendor API call may take. The enrichment function's timeout is derived from it
 * (lib/constructs/enrichment.ts), so a batch of hanging calls still ends inside it.
 */
export const VENDOR_API_TIMEOUT_MS = 10_000;

/** Records per enrichment batch; enriched one after the other. */
export const ENRICHMENT_BATCH_SIZE = 5;
