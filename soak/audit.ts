import { paginateScan, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { isDeepStrictEqual } from 'node:util';
import { TABLE_SCHEMA } from '../lambdas/adapters/dynamo-schema.js';
import { isTerminal, type EventDetail, type Status } from '../lambdas/core/event.js';
import type { EventStore, StoredEvent, SubjectState } from '../lambdas/core/ports.js';
import type { PublishedEvent } from '../local/put-events-server.js';
import { tally, UNEXPLAINED, type Ledger } from './ledger.js';
import type { PlannedEvent, Scenario } from './scenario.js';
import { findVendor } from '../lambdas/vendors/registry.js';

/**
 * Reads what the pipeline left behind (the table, through the real store, and every event
 * EventBridge accepted) and holds it against what the vendors sent and what the run observed.
 */

export interface Finding {
  readonly count: number;
  /** A few examples, for a human to start from. */
  readonly samples: readonly string[];
}

export interface Audit {
  readonly events: number;
  readonly acknowledgedEvents: number;
  readonly storedEvents: number;
  /** Events made from a vendor API's answer (enrichment), stored. */
  readonly apiEvents: number;
  readonly subjectItems: number;
  readonly unexpectedItems: Finding;
  readonly publishedEntries: number;
  readonly publishedEvents: number;
  /**
   * Acknowledged, and never published (or not even stored); or an acknowledged event after
   * which its vendor's result is fetched, and no result of it was ever published.
   */
  readonly lost: Finding;
  /** Stored but without its published mark at the end. */
  readonly unmarked: Finding;
  /** One eventId published with differing details, or published unlike it is stored. */
  readonly storedTwice: Finding;
  /** Stored unlike the vendor sent it (status, subject, times). */
  readonly contentMismatches: Finding;
  readonly subjectsInconsistent: Finding;
  /**
   * The final state is not the newest stored event, an event is published as out of order with
   * nothing newer applied, or an in-order event names a previous status other than the one of
   * the in-order event before it.
   */
  readonly regressions: Finding;
  readonly duplicates: {
    readonly extra: number;
    readonly byCause: ReadonlyMap<string, number>;
    readonly unexplained: Finding;
  };
  /** Published events that no vendor sent (forgeries included). */
  readonly unexpectedPublications: Finding;
  /** Lines of the local events file: every entry the PutEvents endpoint accepted. */
  readonly eventsFileLines: number;
  readonly outOfOrderPublished: number;
}

interface AuditInput {
  readonly scenario: Scenario;
  readonly ledger: Ledger;
  readonly published: readonly PublishedEvent[];
  readonly store: EventStore;
  readonly dynamodb: DynamoDBClient;
  readonly tableName: string;
  readonly eventsFileLines: number;
}

const SAMPLES = 5;
const EVENT_ID_SHAPE = /^[a-z][a-z0-9-]*:/;

class Collector {
  count = 0;
  readonly samples: string[] = [];
  add(sample: string): void {
    this.count += 1;
    if (this.samples.length < SAMPLES) this.samples.push(sample);
  }
  get finding(): Finding {
    return { count: this.count, samples: this.samples };
  }
}

export async function audit(input: AuditInput): Promise<Audit> {
  const { scenario, ledger, store } = input;
  const acknowledged = acknowledgedEvents(scenario, ledger);
  const stored = new Map<string, StoredEvent>();
  await inBatches(scenario.events, async (event) => {
    const item = await store.getEvent(event.eventId);
    if (item) stored.set(event.eventId, item);
  });
  const subjects = new Map<string, SubjectState>();
  await inBatches(scenario.subjects, async (subject) => {
    const state = await store.getSubject(subject.key);
    if (state) subjects.set(subject.key, state);
  });
  const published = groupPublished(input.published);

  // Items keyed like an event id (`<vendor>:…`) that no vendor sent: a forgery, or an event
  // stored under a second id. Other items (subject states, whatever else the store keeps) are
  // checked through the store.
  // Events made from a vendor API's answer are the pipeline's own: held to the same rules below.
  const unexpected = new Collector();
  const apiStored = new Map<string, StoredEvent>();
  for (const key of await scanKeys(input.dynamodb, input.tableName)) {
    if (!EVENT_ID_SHAPE.test(key) || stored.has(key)) continue;
    const item = await store.getEvent(key);
    if (item?.detail.origin !== undefined) apiStored.set(key, item);
    else unexpected.add(key);
  }
  const enriched = new Set<string>();
  for (const copies of published.values()) {
    const confirms = copies[0]?.findings?.confirmsEventId;
    if (confirms !== undefined) enriched.add(confirms);
  }

  const lost = new Collector();
  const unmarked = new Collector();
  const storedTwice = new Collector();
  const content = new Collector();
  /** A stored event is marked published, and every copy of it was published as it is stored. */
  const checkPublication = (
    eventId: string,
    item: StoredEvent,
    copies: readonly EventDetail[],
  ): void => {
    if (item.publishedAt === undefined) unmarked.add(eventId);
    const first = copies[0];
    if (first && copies.some((copy) => !isDeepStrictEqual(copy, first))) {
      storedTwice.add(`${eventId}: published ${copies.length} times with differing details`);
    } else if (first && !isDeepStrictEqual(withoutPayload(first), item.detail)) {
      storedTwice.add(`${eventId}: published unlike it is stored`);
    }
  };
  for (const event of scenario.events) {
    const item = stored.get(event.eventId);
    const copies = published.get(event.eventId) ?? [];
    if (acknowledged.has(event.eventId) && copies.length === 0) {
      lost.add(`${event.eventId} (${item ? 'stored, never published' : 'never stored'})`);
    }
    if (!item) continue;
    checkPublication(event.eventId, item, copies);
    const mismatch = contentMismatch(event, item, ledger);
    if (mismatch) content.add(`${event.eventId}: ${mismatch}`);
    if (
      acknowledged.has(event.eventId) &&
      isEnrichmentTrigger(item) &&
      !enriched.has(event.eventId)
    ) {
      lost.add(`${event.eventId} (acknowledged, its result never published)`);
    }
  }
  for (const [eventId, item] of apiStored) {
    const copies = published.get(eventId) ?? [];
    if (copies.length === 0) lost.add(`${eventId} (stored, never published)`);
    checkPublication(eventId, item, copies);
  }

  const inconsistent = new Collector();
  const regressions = new Collector();
  for (const subject of scenario.subjects) {
    const events = [
      ...subject.events
        .map((event) => stored.get(event.eventId))
        .filter((event): event is StoredEvent => event !== undefined),
      ...[...apiStored.values()].filter((event) => event.subjectKey === subject.key),
    ];
    if (events.length === 0) continue;
    const state = subjects.get(subject.key);
    const verdict = judgeSubject(events, state, published);
    for (const problem of verdict.inconsistent) inconsistent.add(`${subject.key}: ${problem}`);
    for (const problem of verdict.regressions) regressions.add(`${subject.key}: ${problem}`);
  }

  const duplicates = judgeDuplicates(published, ledger);

  // Anything published that no vendor sent: a forgery that got through, or an invented id.
  const sent = new Set(scenario.events.map((event) => event.eventId));
  const strangers = new Collector();
  for (const eventId of published.keys()) {
    if (!sent.has(eventId) && !apiStored.has(eventId)) strangers.add(eventId);
  }

  return {
    events: scenario.events.length,
    acknowledgedEvents: acknowledged.size,
    storedEvents: stored.size,
    apiEvents: apiStored.size,
    subjectItems: subjects.size,
    unexpectedItems: unexpected.finding,
    publishedEntries: input.published.length,
    publishedEvents: published.size,
    lost: lost.finding,
    unmarked: unmarked.finding,
    storedTwice: storedTwice.finding,
    contentMismatches: content.finding,
    subjectsInconsistent: inconsistent.finding,
    regressions: regressions.finding,
    duplicates,
    unexpectedPublications: strangers.finding,
    eventsFileLines: input.eventsFileLines,
    outOfOrderPublished: [...published.values()].filter((copies) => copies[0]?.outOfOrder).length,
  };
}

/** Events at least one of whose deliveries was answered 2xx. */
function acknowledgedEvents(scenario: Scenario, ledger: Ledger): Set<string> {
  const ids = new Set<string>();
  for (const wave of scenario.waves) {
    for (const send of wave) {
      if (send.event && ledger.acknowledged.has(send.id)) ids.add(send.event.eventId);
    }
  }
  return ids;
}

/** The stored event against what its vendor sent. */
function contentMismatch(
  event: PlannedEvent,
  item: StoredEvent,
  ledger: Ledger,
): string | undefined {
  const { detail } = item;
  if (detail.status !== event.status) return `status ${detail.status}, sent ${event.status}`;
  const key = `${detail.vendor}#${detail.subject.kind}#${detail.subject.id}`;
  if (key !== event.subjectKey || item.subjectKey !== event.subjectKey) {
    return `subject ${key}, sent ${event.subjectKey}`;
  }
  const queued = ledger.queuedReceivedAt.get(event.eventId) ?? new Set<string>();
  if (!queued.has(detail.receivedAt)) return `receivedAt ${detail.receivedAt} was never queued`;
  if (event.occurredAt !== undefined) {
    if (detail.occurredAt !== event.occurredAt) {
      return `occurredAt ${detail.occurredAt}, sent ${event.occurredAt}`;
    }
  } else if (!queued.has(detail.occurredAt)) {
    // Without a vendor time, the time is when a copy of the delivery was received.
    return `occurredAt ${detail.occurredAt} is no receive time of this event`;
  }
  return undefined;
}

/** Order of events within a subject (DESIGN §4.5): vendor time, then terminal over not. */
function orderKey(detail: EventDetail): string {
  return `${detail.occurredAt}|${isTerminal(detail.status) ? 1 : 0}`;
}

interface SubjectVerdict {
  readonly inconsistent: string[];
  readonly regressions: string[];
}

function judgeSubject(
  events: readonly StoredEvent[],
  state: SubjectState | undefined,
  published: ReadonlyMap<string, EventDetail[]>,
): SubjectVerdict {
  const inconsistent: string[] = [];
  const regressions: string[] = [];
  if (!state) return { inconsistent: ['no subject item'], regressions };

  const current = events.find((event) => event.detail.eventId === state.eventId);
  if (!current) {
    inconsistent.push(`subject names ${state.eventId}, not a stored event of it`);
  } else if (
    current.detail.status !== state.status ||
    current.detail.occurredAt !== state.occurredAt
  ) {
    inconsistent.push(
      `subject says ${state.status}@${state.occurredAt}, its event ${current.detail.status}@${current.detail.occurredAt}`,
    );
  }

  // The newest stored event must be the subject's state (ties of equal rank: any of them).
  const newest = events.reduce((max, event) => Math.max(max, rank(event)), -1);
  const winners = events.filter((event) => rank(event) === newest);
  if (!winners.some((event) => event.detail.eventId === state.eventId)) {
    const winner = winners[0]?.detail;
    regressions.push(
      `final ${state.status} (${state.eventId}), newest is ${winner?.status}@${winner?.occurredAt} (${winner?.eventId})`,
    );
  }

  // What consumers saw, in the subject's order.
  const seen = events
    .map((event) => published.get(event.detail.eventId)?.[0])
    .filter((detail): detail is EventDetail => detail !== undefined)
    .sort((a, b) => orderKey(a).localeCompare(orderKey(b)));
  const olderStatuses = (detail: EventDetail): Set<Status> =>
    new Set(
      events
        .filter((event) => orderKey(event.detail) < orderKey(detail))
        .map((event) => event.detail.status),
    );
  for (const detail of seen) {
    if (detail.outOfOrder) {
      if (!seen.some((other) => orderKey(other) > orderKey(detail) && !other.outOfOrder)) {
        regressions.push(`${detail.eventId} published out of order, yet nothing newer applied`);
      }
    } else if (
      detail.previousStatus !== null &&
      !olderStatuses(detail).has(detail.previousStatus)
    ) {
      regressions.push(
        `${detail.eventId} in order with previous ${detail.previousStatus}, which no older event has`,
      );
    }
  }

  // In-order events form the subject's history: each one's previous status is the one before.
  const inOrder = seen.filter((detail) => !detail.outOfOrder);
  inOrder.forEach((detail, i) => {
    const expected = inOrder[i - 1]?.status ?? null;
    if (detail.previousStatus !== expected) {
      regressions.push(
        `${detail.eventId} in order with previous ${detail.previousStatus}, the event before it is ${expected}`,
      );
    }
  });
  return { inconsistent, regressions };
}

function rank(event: StoredEvent): number {
  return Date.parse(event.detail.occurredAt) * 2 + (isTerminal(event.detail.status) ? 1 : 0);
}

function judgeDuplicates(
  published: ReadonlyMap<string, EventDetail[]>,
  ledger: Ledger,
): Audit['duplicates'] {
  let extra = 0;
  const byCause = new Map<string, number>();
  const unexplained = new Collector();
  for (const [eventId, copies] of published) {
    const extras = copies.length - 1;
    if (extras <= 0) continue;
    extra += extras;
    const windows = (ledger.windows.get(eventId) ?? []).filter((w) => !w.startsWith(UNEXPLAINED));
    for (const cause of windows.slice(0, extras)) tally(byCause, cause);
    if (windows.length < extras) {
      const missing = extras - windows.length;
      for (let i = 0; i < missing; i += 1) {
        unexplained.add(`${eventId}: published ${copies.length} times, ${windows.length} allowed`);
      }
    }
  }
  return { extra, byCause, unexplained: unexplained.finding };
}

function groupPublished(events: readonly PublishedEvent[]): Map<string, EventDetail[]> {
  const byId = new Map<string, EventDetail[]>();
  for (const event of events) {
    const detail = JSON.parse(event.Detail) as EventDetail;
    const copies = byId.get(detail.eventId) ?? [];
    copies.push(detail);
    byId.set(detail.eventId, copies);
  }
  return byId;
}

/** The detail as stored: the published one carries the payload (or says why it does not). */
function withoutPayload(detail: EventDetail): EventDetail {
  const { payload: _payload, payloadOmitted: _omitted, ...rest } = detail;
  return rest;
}

async function scanKeys(client: DynamoDBClient, tableName: string): Promise<string[]> {
  const keys: string[] = [];
  const pk = TABLE_SCHEMA.partitionKey;
  for await (const page of paginateScan(
    { client },
    { TableName: tableName, ProjectionExpression: '#pk', ExpressionAttributeNames: { '#pk': pk } },
  )) {
    for (const item of page.Items ?? []) {
      const key = item[pk]?.S;
      if (key !== undefined) keys.push(key);
    }
  }
  return keys;
}

async function inBatches<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  const size = 25;
  for (let i = 0; i < items.length; i += size) {
    await Promise.all(items.slice(i, i + size).map(work));
  }
}

/** Whether the pipeline fetches the vendor's result after this stored event. */
function isEnrichmentTrigger(item: StoredEvent): boolean {
  const api = findVendor(item.detail.vendor)?.api;
  return (
    api !== undefined &&
    api.enrichAfter.includes(item.detail.vendorEventType) &&
    api.subjectKinds.includes(item.detail.subject.kind)
  );
}
