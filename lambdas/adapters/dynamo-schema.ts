/**
 * The table's shape, shared by the adapter, the CDK stack and local mode so it is stated once.
 * One table: event items keyed by their eventId, subject items keyed `SUBJECT#…`.
 */
export const TABLE_SCHEMA = {
  partitionKey: 'pk',
  timeToLiveAttribute: 'expiresAt',
  subjectIndex: {
    name: 'bySubject',
    partitionKey: 'subjectKey',
    sortKey: 'occurredAt',
  },
  /** Keys of the items that are not events start with these, so none equals an eventId (`<vendor>:…`). */
  keyPrefixes: {
    subject: 'SUBJECT#',
    bodyChunk: 'BODY#',
  },
} as const;
