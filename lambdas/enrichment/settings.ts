/**
 * How long one vendor API call may take. The enrichment function's timeout is derived from it
 * (lib/constructs/enrichment.ts), so a batch of hanging calls still ends inside it.
 */
export const VENDOR_API_TIMEOUT_MS = 10_000;

/** Records per enrichment batch; enriched one after the other. */
export const ENRICHMENT_BATCH_SIZE = 5;

/**
 * The most bytes one archived link may hold (a report PDF or a face image is far smaller); a
 * longer answer is refused, so a hostile link cannot fill the function's memory.
 */
export const LINK_MAX_BYTES = 20 * 1024 * 1024;
