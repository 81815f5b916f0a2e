import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { paginateQuery, paginateScan } from '@aws-sdk/lib-dynamodb';
import type { DetailType, EventDetail } from '../core/event.js';
import { batchGetAll } from './dynamo-batch-get.js';
import { documentClientOf } from './dynamo-documents.js';
import { detailOf } from './dynamo-event-detail.js';
import { referenceKey, TABLE_SCHEMA } from './dynamo-schema.js';

/**
 * The operator's view of the table: list and query stored events. The processor never
 * needs these, so they are a port of their own rather than more of `EventStore`; the port is
 * declared here, beside its one adapter, until it can join `core/ports.ts`.
 *
 * Reads project away `rawBody`: a full event (whose body may be split across items) is read
 * with `EventStore.getEvent` only. Attribute names come from `TABLE_SCHEMA`, which the store
 * writes with.
 */

/** A stored event without its raw body. */
export interface EventSummary {
  readonly subjectKey: string;
  readonly detailType: DetailType;
  /** The published detail, without payload. */
  readonly detail: EventDetail;
  readonly publishedAt?: string;
  readonly leaseUntil?: string;
}

export interface EventFilter {
  readonly vendor?: string;
  /** Inclusive lower bound on `receivedAt` (canonical instant). */
  readonly receivedFrom?: string;
  /** Exclusive upper bound on `receivedAt`. */
  readonly receivedBefore?: string;
  /** Only events EventBridge never accepted. */
  readonly unpublished?: boolean;
}

/** After each page of a scan: items read so far, and how many of them matched. */
export type ScanProgress = (counts: { readonly scanned: number; readonly matched: number }) => void;

export interface EventHistory {
  /** A subject's events from the lookup index (and the legacy one), newest (by vendor time) first. */
  subjectEvents(subjectKey: string): Promise<EventSummary[]>;
  /** Keys of the vendor's subjects that the customer's own reference names: one query. */
  subjectsByReference(vendor: string, reference: string): Promise<string[]>;
  /** Keys `<vendor>#<kind>#<id>` of every subject with events, whatever its kind: a scan. */
  findSubjectKeys(vendor: string, id: string, progress?: ScanProgress): Promise<string[]>;
  /** Events matching `filter`: a scan, filtered by the table. */
  listEvents(filter: EventFilter, progress?: ScanProgress): Promise<EventSummary[]>;
}

const PK = TABLE_SCHEMA.partitionKey;
const LOOKUP = TABLE_SCHEMA.lookupIndex;
const LEGACY = TABLE_SCHEMA.legacySubjectIndex;
const ATTR = TABLE_SCHEMA.eventAttributes;

/** A scan's test of an event item, in every layout: only event items hold a detail. */
const IS_EVENT = 'attribute_exists(#detail)';
/** The receive time, inside the detail in every layout (`#detail`, `#received`). */
const RECEIVED_AT = '#detail.#received';
const DETAIL_RECEIVED_AT: keyof EventDetail = 'receivedAt';

/** What the publication columns need, read from the table: the index does not project them. */
const MARK_ATTRIBUTES = [PK, ATTR.publishedAt, ATTR.leaseUntil];
/** Everything an `EventSummary` needs: never `rawBody`, which may be hundreds of kilobytes. */
const SUMMARY_ATTRIBUTES = [
  PK,
  LOOKUP.partitionKey,
  LOOKUP.sortKey,
  LEGACY.partitionKey,
  ATTR.detailType,
  ATTR.detail,
  ATTR.publishedAt,
  ATTR.leaseUntil,
];

export interface DynamoEventHistoryOptions {
  /**
   * Whether the table has `legacySubjectIndex` (a stack deployed before `lookupIndex`): only
   * then is it queried, since a query of an index the table lacks is a ValidationException.
   * @default false
   */
  readonly legacySubjectIndex?: boolean;
}

export class DynamoEventHistory implements EventHistory {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly options: DynamoEventHistoryOptions = {},
  ) {}

  static create(
    client: DynamoDBClient,
    tableName: string,
    options: DynamoEventHistoryOptions = {},
  ): DynamoEventHistory {
    const documents = documentClientOf(client);
    return new DynamoEventHistory(documents, tableName, options);
  }

  async subjectEvents(subjectKey: string): Promise<EventSummary[]> {
    const [current, legacy] = await Promise.all([
      this.#query(LOOKUP, subjectKey, [
        PK,
        LOOKUP.partitionKey,
        LOOKUP.sortKey,
        ...LOOKUP.projected,
      ]),
      // Items written before the lookup index, until they expire (dynamo-schema.ts).
      this.options.legacySubjectIndex ? this.#query(LEGACY, subjectKey, SUMMARY_ATTRIBUTES) : [],
    ]);
    const marks = await this.#publicationMarks(current.map((item) => String(item[PK])));
    const events = [
      ...current.map((item) => toSummary({ ...item, ...marks.get(String(item[PK])) })),
      ...legacy.map(toSummary),
    ];
    // The index orders by vendor time only; equal times are shown latest arrival first.
    return events.sort(
      (a, b) =>
        compareDesc(a.detail.occurredAt, b.detail.occurredAt) ||
        compareDesc(a.detail.receivedAt, b.detail.receivedAt),
    );
  }

  async subjectsByReference(vendor: string, reference: string): Promise<string[]> {
    const items = await this.#query(LOOKUP, referenceKey(vendor, reference), [LOOKUP.sortKey]);
    return items.map((item) => String(item[LOOKUP.sortKey]));
  }

  async findSubjectKeys(vendor: string, id: string, progress?: ScanProgress): Promise<string[]> {
    const prefix = `${vendor}#`;
    const suffix = `#${id}`;
    const keys = new Set<string>();
    // The table can only test a prefix and a substring; the exact shape is checked below.
    const shaped = (name: string) =>
      `(begins_with(${name}, :prefix) AND contains(${name}, :suffix))`;
    await this.#scan(
      {
        FilterExpression: `${IS_EVENT} AND (${shaped('#subject')} OR ${shaped('#legacy')})`,
        ProjectionExpression: '#subject, #legacy',
        ExpressionAttributeNames: {
          '#detail': ATTR.detail,
          '#subject': LOOKUP.partitionKey,
          '#legacy': LEGACY.partitionKey,
        },
        ExpressionAttributeValues: {
          ':prefix': prefix,
          ':suffix': suffix,
        },
      },
      (item) => {
        const key = subjectKeyOf(item);
        const kind = key.slice(prefix.length, key.length - suffix.length);
        const exact = key.startsWith(prefix) && key.endsWith(suffix) && kind !== '';
        if (exact) keys.add(key);
        return exact;
      },
      progress,
    );
    return [...keys].sort();
  }

  async listEvents(filter: EventFilter, progress?: ScanProgress): Promise<EventSummary[]> {
    // What every layout of event item holds (dynamo-schema.ts): a `detail` with `receivedAt`,
    // keyed by its eventId `<vendor>:…`.
    const conditions = [IS_EVENT];
    const names: Record<string, string> = { '#detail': ATTR.detail };
    const values: Record<string, unknown> = {};
    if (filter.vendor !== undefined) {
      conditions.push('begins_with(#pk, :eventIdPrefix)');
      names['#pk'] = PK;
      values[':eventIdPrefix'] = `${filter.vendor}:`;
    }
    if (filter.receivedFrom !== undefined) {
      conditions.push(`${RECEIVED_AT} >= :from`);
      names['#received'] = DETAIL_RECEIVED_AT;
      values[':from'] = filter.receivedFrom;
    }
    if (filter.receivedBefore !== undefined) {
      conditions.push(`${RECEIVED_AT} < :before`);
      names['#received'] = DETAIL_RECEIVED_AT;
      values[':before'] = filter.receivedBefore;
    }
    if (filter.unpublished) {
      conditions.push('attribute_not_exists(#published)');
      names['#published'] = ATTR.publishedAt;
    }
    const projection = namesFor(SUMMARY_ATTRIBUTES);
    const events: EventSummary[] = [];
    await this.#scan(
      {
        FilterExpression: conditions.join(' AND '),
        ProjectionExpression: projection.expression,
        ExpressionAttributeNames: { ...names, ...projection.names },
        // DynamoDB refuses an empty map of values.
        ...(Object.keys(values).length > 0 && { ExpressionAttributeValues: values }),
      },
      (item) => {
        events.push(toSummary(item));
        return true;
      },
      progress,
    );
    return events.sort(
      (a, b) =>
        a.detail.receivedAt.localeCompare(b.detail.receivedAt) ||
        a.detail.eventId.localeCompare(b.detail.eventId),
    );
  }

  /** Every item of one index key, newest first, with the attributes asked for. */
  async #query(
    index: { readonly name: string; readonly partitionKey: string },
    key: string,
    attributes: readonly string[],
  ): Promise<Record<string, unknown>[]> {
    const projection = namesFor(attributes);
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        IndexName: index.name,
        KeyConditionExpression: '#key = :key',
        ProjectionExpression: projection.expression,
        ExpressionAttributeNames: { ...projection.names, '#key': index.partitionKey },
        ExpressionAttributeValues: { ':key': key },
        ScanIndexForward: false,
      },
    );
    const items: Record<string, unknown>[] = [];
    for await (const page of pages) items.push(...(page.Items ?? []));
    return items;
  }

  /** The publication mark and lease of each event, by eventId, read from the table. */
  async #publicationMarks(
    eventIds: readonly string[],
  ): Promise<Map<string, Record<string, unknown>>> {
    const items = await batchGetAll(
      this.client,
      this.tableName,
      eventIds.map((eventId) => ({ [PK]: eventId })),
      { consistentRead: true, projection: namesFor(MARK_ATTRIBUTES) },
    );
    return new Map(items.map((item) => [String(item[PK]), item]));
  }

  /** Scans the whole table (consistently), handing each returned item to `keep`. */
  async #scan(
    input: {
      FilterExpression: string;
      ProjectionExpression: string;
      ExpressionAttributeNames: Record<string, string>;
      ExpressionAttributeValues?: Record<string, unknown>;
    },
    keep: (item: Record<string, unknown>) => boolean,
    progress?: ScanProgress,
  ): Promise<void> {
    const pages = paginateScan(
      { client: this.client },
      { TableName: this.tableName, ConsistentRead: true, ...input },
    );
    let scanned = 0;
    let matched = 0;
    for await (const page of pages) {
      scanned += page.ScannedCount ?? 0;
      for (const item of page.Items ?? []) if (keep(item)) matched += 1;
      progress?.({ scanned, matched });
    }
  }
}

/** `#a0, #a1, …` for a list of attribute names (some, like `status`, are reserved words). */
function namesFor(attributes: readonly string[]): {
  expression: string;
  names: Record<string, string>;
} {
  const names: Record<string, string> = {};
  attributes.forEach((name, i) => (names[`#a${i}`] = name));
  return { expression: Object.keys(names).join(', '), names };
}

/** The subject key of an event item of either layout (dynamo-schema.ts). */
function subjectKeyOf(item: Record<string, unknown>): string {
  const key = item[LOOKUP.partitionKey] ?? item[LEGACY.partitionKey];
  return typeof key === 'string' ? key : '';
}

function toSummary(item: Record<string, unknown>): EventSummary {
  const publishedAt = item[ATTR.publishedAt];
  const leaseUntil = item[ATTR.leaseUntil];
  return {
    subjectKey: subjectKeyOf(item),
    detailType: item[ATTR.detailType] as DetailType,
    detail: detailOf(item),
    ...(typeof publishedAt === 'string' && { publishedAt }),
    ...(typeof leaseUntil === 'string' && { leaseUntil }),
  };
}

function compareDesc(a: string, b: string): number {
  return a < b ? 1 : a > b ? -1 : 0;
}
