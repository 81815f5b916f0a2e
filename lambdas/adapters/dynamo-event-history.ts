import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, paginateQuery, paginateScan } from '@aws-sdk/lib-dynamodb';
import type { DetailType, EventDetail } from '../core/event.js';
import { TABLE_SCHEMA } from './dynamo-schema.js';

/**
 * The operator's view of the table: list and query stored events. The processor never
 * needs these, so they are a port of their own rather than more of `EventStore`; the port is
 * declared here, beside its one adapter, until it can join `core/ports.ts`.
 *
 * Reads project away `rawBody`: a full event (whose body may be split across items) is read
 * with `EventStore.getEvent` only.
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
  /** A subject's events from the subject index, newest (by vendor time) first. */
  subjectEvents(subjectKey: string): Promise<EventSummary[]>;
  /** Keys `<vendor>#<kind>#<id>` of every subject with events, whatever its kind: a scan. */
  findSubjectKeys(vendor: string, id: string, progress?: ScanProgress): Promise<string[]>;
  /** Events matching `filter`: a scan, filtered by the table. */
  listEvents(filter: EventFilter, progress?: ScanProgress): Promise<EventSummary[]>;
}

const INDEX = TABLE_SCHEMA.subjectIndex;

/*
 * Attribute names written by `DynamoEventStore` (dynamo-event-store.ts); a change there must be
 * made here too. The adapter test writes through that store and reads through this one.
 */
const ATTR = {
  itemType: 'itemType',
  vendor: 'vendor',
  detailType: 'detailType',
  receivedAt: 'receivedAt',
  detail: 'detail',
  publishedAt: 'publishedAt',
  leaseUntil: 'leaseUntil',
} as const;
const EVENT_ITEM = 'event';

/** Everything an `EventSummary` needs: never `rawBody`, which may be hundreds of kilobytes. */
const SUMMARY_ATTRIBUTES = [
  INDEX.partitionKey,
  ATTR.detailType,
  ATTR.detail,
  ATTR.publishedAt,
  ATTR.leaseUntil,
];

export class DynamoEventHistory implements EventHistory {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  static create(client: DynamoDBClient, tableName: string): DynamoEventHistory {
    const documents = DynamoDBDocumentClient.from(client, {
      marshallOptions: { removeUndefinedValues: true },
    });
    return new DynamoEventHistory(documents, tableName);
  }

  async subjectEvents(subjectKey: string): Promise<EventSummary[]> {
    const projection = namesFor(SUMMARY_ATTRIBUTES);
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        IndexName: INDEX.name,
        KeyConditionExpression: '#subject = :subject',
        ProjectionExpression: projection.expression,
        ExpressionAttributeNames: { ...projection.names, '#subject': INDEX.partitionKey },
        ExpressionAttributeValues: { ':subject': subjectKey },
        ScanIndexForward: false,
      },
    );
    const events: EventSummary[] = [];
    for await (const page of pages) {
      for (const item of page.Items ?? []) events.push(toSummary(item));
    }
    // The index orders by vendor time only; equal times are shown latest arrival first.
    return events.sort(
      (a, b) =>
        compareDesc(a.detail.occurredAt, b.detail.occurredAt) ||
        compareDesc(a.detail.receivedAt, b.detail.receivedAt),
    );
  }

  async findSubjectKeys(vendor: string, id: string, progress?: ScanProgress): Promise<string[]> {
    const prefix = `${vendor}#`;
    const suffix = `#${id}`;
    const keys = new Set<string>();
    await this.#scan(
      {
        // The table can only test a prefix and a substring; the exact shape is checked below.
        FilterExpression:
          '#type = :event AND begins_with(#subject, :prefix) AND contains(#subject, :suffix)',
        ProjectionExpression: '#subject',
        ExpressionAttributeNames: { '#type': ATTR.itemType, '#subject': INDEX.partitionKey },
        ExpressionAttributeValues: { ':event': EVENT_ITEM, ':prefix': prefix, ':suffix': suffix },
      },
      (item) => {
        const key = item[INDEX.partitionKey];
        if (typeof key !== 'string') return false;
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
    const conditions = ['#type = :event'];
    const names: Record<string, string> = { '#type': ATTR.itemType };
    const values: Record<string, unknown> = { ':event': EVENT_ITEM };
    if (filter.vendor !== undefined) {
      conditions.push('#vendor = :vendor');
      names['#vendor'] = ATTR.vendor;
      values[':vendor'] = filter.vendor;
    }
    if (filter.receivedFrom !== undefined) {
      conditions.push('#received >= :from');
      names['#received'] = ATTR.receivedAt;
      values[':from'] = filter.receivedFrom;
    }
    if (filter.receivedBefore !== undefined) {
      conditions.push('#received < :before');
      names['#received'] = ATTR.receivedAt;
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
        ExpressionAttributeValues: values,
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

  /** Scans the whole table (consistently), handing each returned item to `keep`. */
  async #scan(
    input: {
      FilterExpression: string;
      ProjectionExpression: string;
      ExpressionAttributeNames: Record<string, string>;
      ExpressionAttributeValues: Record<string, unknown>;
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

function toSummary(item: Record<string, unknown>): EventSummary {
  const publishedAt = item[ATTR.publishedAt];
  const leaseUntil = item[ATTR.leaseUntil];
  return {
    subjectKey: item[INDEX.partitionKey] as string,
    detailType: item[ATTR.detailType] as DetailType,
    detail: item[ATTR.detail] as EventDetail,
    ...(typeof publishedAt === 'string' && { publishedAt }),
    ...(typeof leaseUntil === 'string' && { leaseUntil }),
  };
}

function compareDesc(a: string, b: string): number {
  return a < b ? 1 : a > b ? -1 : 0;
}
