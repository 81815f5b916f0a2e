/**
 * How long one vendor API call, or one link download, may take. The enrichment function's time
 * budget is derived from it (`RECORD_BUDGET_MS`).
 */
export const VENDOR_API_TIMEOUT_MS = 10_000;

/** Records per enrichment batch; enriched one after the other. */
export const ENRICHMENT_BATCH_SIZE = 5;

/**
 * The most bytes one archived link may hold (a report PDF or a face image is far smaller); a
 * longer answer is refused, so a hostile link cannot fill the function's memory.
 */
export const LINK_MAX_BYTES = 20 * 1024 * 1024;

/**
 * Links of one record downloaded at once, so a record with k links on a slow host waits about
 * ceil(k/3) link timeouts rather than k. A link's body is held until it is archived: at most
 * 3 × `LINK_MAX_BYTES` = 60 MiB at once (twice that for the instant each body is joined from its
 * chunks), well inside the function's 256 MB. Small, as the links of a delivery share one host.
 */
export const LINK_CONCURRENCY = 3;

/**
 * Room for what a record does around its one slow wait: the secret and stored-body reads, the
 * archive writes of up to `LINK_CONCURRENCY` links, the index and the queued message.
 */
export const RECORD_WRITES_MS = 5_000;

/**
 * What one record may need once started: one slow wait (an API call, or up to `LINK_CONCURRENCY`
 * links at once) and the writes after it. The worker starts a record, or another link of one,
 * only while this much of the invocation is left (see `time-left.ts`); the function's timeout is
 * `ENRICHMENT_BATCH_SIZE` of these (lib/constructs/enrichment.ts), so the first record always
 * fits, and so does every record of a batch unless one has more links than fit one wait.
 */
export const RECORD_BUDGET_MS = VENDOR_API_TIMEOUT_MS + RECORD_WRITES_MS;
