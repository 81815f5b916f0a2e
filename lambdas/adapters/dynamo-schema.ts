/**
 * The table's shape, shared by the adapter, the CDK stack and local mode so it is stated once.
 * One table: event items keyed by their eventId, subject items keyed `SUBJECT#…`, body chunk
 * items keyed `BODY#…`, the processor's notes on dead-lettered messages keyed `DEADLETTER#…`.
 */
export const TABLE_SCHEMA = {
  partitionKey: 'pk',
  timeToLiveAttribute: 'expiresAt',
  /**
   * The one index, overloaded so that one index answers both of the operator's questions:
   * - an event item is filed under its subject key (`<vendor>#<kind>#<id>`), sorted by vendor
   *   time: a subject's history is one query;
   * - a subject item whose events carry the customer's own reference is filed under
   *   `REF#<vendor>#<reference>`, sorted by its subject key: "which subjects are reference R"
   *   is one query, and the sort key is the answer.
   * It projects only what `history` reads (`projected`): never raw bodies, payloads, or the
   * publication mark, so the mark's update does not write the index.
   */
  lookupIndex: {
    name: 'byLookupKey',
    partitionKey: 'gsi1pk',
    sortKey: 'gsi1sk',
    projected: ['detailType', 'detail'],
  },
  /**
   * The index before `lookupIndex`, projecting ALL: items written before `lookupIndex` existed
   * carry `subjectKey`/`occurredAt` and are found only here; items written since carry neither,
   * so they stay out of it. Only a table that had it before keeps it (the `legacySubjectIndex`
   * setting, off by default), and history reads it only there, until the old items have expired;
   * a new table never has it, so no index of a default deploy projects ALL.
   */
  legacySubjectIndex: {
    name: 'bySubject',
    partitionKey: 'subjectKey',
    sortKey: 'occurredAt',
  },
  /** Keys that are not eventIds start with these, so none equals an eventId (`<vendor>:…`). */
  keyPrefixes: {
    subject: 'SUBJECT#',
    bodyChunk: 'BODY#',
    reference: 'REF#',
    deadLetterNote: 'DEADLETTER#',
  },
  /**
   * Event item attributes that the history reads and scans filter on. Only event items hold a
   * `detail`, in every layout: that is how a scan tells them apart.
   */
  eventAttributes: {
    detailType: 'detailType',
    detail: 'detail',
    publishedAt: 'publishedAt',
    leaseUntil: 'leaseUntil',
  },
  /**
   * Event item attributes that items written before carry and new ones leave out, each said
   * elsewhere: `itemType` "event" by the `detail`, `vendor` by the eventId's prefix, `receivedAt`
   * by `detail.receivedAt`. Readers never need them; a replay's rewrite removes them.
   */
  formerEventAttributes: ['itemType', 'vendor', 'receivedAt'],
} as const;

/** The lookup index's partition key for the subjects a vendor's customer reference names. */
export function referenceKey(vendor: string, reference: string): string {
  return `${TABLE_SCHEMA.keyPrefixes.reference}${vendor}#${reference}`;
}
