import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { brotliCompressSync, brotliDecompress, constants, gunzip } from 'node:zlib';
import {
  ConditionalCheckFailedException,
  TransactionCanceledException,
  type BatchStatementError,
} from '@aws-sdk/client-dynamodb';
import {
  BatchExecuteStatementCommand,
  BatchWriteCommand,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import DataLoader from 'dataloader';
import { StoreBusyError } from '../core/errors.js';
import { STATUSES } from '../core/event.js';
import type {
  EventStore,
  RecordAnswer,
  ReviseAnswer,
  StagedBody,
  StoredEvent,
  SubjectChange,
  SubjectState,
} from '../core/ports.js';
import { BATCH_GET_KEYS, batchGetAll } from './dynamo-batch-get.js';
import { documentItemSize } from './dynamo-item-size.js';
import { TableAdapter } from './dynamo-documents.js';
import { detailOf, storedDetail } from './dynamo-event-detail.js';
import { referenceKey, TABLE_SCHEMA } from './dynamo-schema.js';

const PK = TABLE_SCHEMA.partitionKey;
const LOOKUP = TABLE_SCHEMA.lookupIndex;
const LEGACY = TABLE_SCHEMA.legacySubjectIndex;
const TTL = TABLE_SCHEMA.timeToLiveAttribute;
const SUBJECT_PREFIX = TABLE_SCHEMA.keyPrefixes.subject;
const BODY_CHUNK_PREFIX = TABLE_SCHEMA.keyPrefixes.bodyChunk;
/** What items written before hold and new ones do not: a replay's rewrite removes them. */
const FORMER_ATTRIBUTES = [
  LEGACY.partitionKey,
  LEGACY.sortKey,
  ...TABLE_SCHEMA.formerEventAttributes,
].join(', ');

/**
 * The largest event item that keeps its body. Every byte of the event item is billed again and
 * again: one write unit per started KB, twice on the transactional put and once more on each
 * later update (`takeLease`, `markPublished`), since an update is billed on the whole item. So
 * the body is Brotli-compressed, and kept in the event item only while the item stays within one
 * write unit (a small webhook: one item, one write); otherwise it goes to chunk items, written
 * once before the transaction, outside every index (a 2 KB Treezor body: one 1 KB chunk, and a
 * 1 KB event item for the transaction and the mark).
 */
const ONE_WRITE_UNIT_BYTES = 1024;

/**
 * Compressed-body bytes per chunk item: 16 KiB under DynamoDB's item limit (400 KB = 409,600
 * bytes, attribute names included), room for the key (about 30 bytes), the TTL and the
 * attribute names. A 1 MiB body that does not compress at all fits in three chunks.
 */
const CHUNK_MAX_BYTES = 384 * 1024;

const gunzipAsync = promisify(gunzip);
const unbrotliAsync = promisify(brotliDecompress);
/**
 * Brotli settings. A stored byte is billed for months (storage and backups), a compressing
 * millisecond once: a webhook-sized body gets quality 10, about 10% smaller than quality 6 on
 * JSON (a 2 KB Treezor body: 775 bytes, not 867) for about a millisecond, nearly all that 11
 * gives at a quarter of its time. A larger body gets the fast setting.
 */
const SMALL_BODY_QUALITY = 10;
const LARGE_BODY_QUALITY = 6;
const SMALL_BODY_MAX_BYTES = 16 * 1024;

/**
 * One table (see dynamo-schema.ts). Event items are keyed by eventId and carry the subject key
 * and vendor time as the lookup index's keys, so the index lists a subject's history; a subject
 * item carries its customer reference there, when its events gave one. Body chunk items carry
 * no index key. Items written before the lookup index (the legacy layout) carry the subject key
 * and vendor time under `legacySubjectIndex`'s names instead, and are read the same way.
 *
 * The raw body is stored once, compressed (see `ONE_WRITE_UNIT_BYTES`), read back byte-identical
 * by `getEvent`: Brotli in the event item (`rawBodyBr`), or split over `rawBodyChunks` chunk items
 * keyed `BODY#<rawBodyChunkSet>#<n>` (`rawBodyCodec: 'br'`). Brotli has no checksum: chunks
 * are checked against their set's name, a hash of their content, and an inline body (written
 * with its item, in one request) against `rawBodyBytes`, its size.
 * Items written before hold `rawBody` (text), `rawBodyGzip`, or gzip chunks (no codec): read
 * until they expire.
 *
 * An event item and its subject's change are written in one `TransactWriteItems`, shared with
 * the other events a batch records at once (see `#records`); the cancellation reasons become the
 * port's domain answers here (`answerOf`).
 */
export class DynamoEventStore extends TableAdapter implements EventStore {
  async getEvent(eventId: string): Promise<StoredEvent | undefined> {
    const item = await this.#getItem(eventId);
    return item ? fromEventItem(item, await this.#readBody(eventId, item)) : undefined;
  }

  /**
   * Compresses the body and, when it does not fit the event item, writes its chunk items: before
   * the transaction, because the event item is the commit point. Once it exists, duplicates and
   * retries read the body through it; written the other way round, a crash between the two would
   * leave a stored event whose body cannot be read, failing every retry. This way a crash leaves
   * only chunks that no event item names: the retry of the same delivery rewrites the same keys
   * with the same bytes, and the TTL removes them otherwise. (They would not fit the transaction
   * anyway: it holds at most 4 MB.)
   */
  async stageBody(event: StoredEvent): Promise<StagedBody> {
    const body = packBody(event, toEventItem(asJudgedAndLeased(event), { form: 'none' }));
    if (body.form === 'chunks') await this.#putChunks(event, body);
    return new StagedDynamoBody(event.detail.eventId, body);
  }

  async recordEvent(
    event: StoredEvent,
    change: SubjectChange,
    staged?: StagedBody,
  ): Promise<RecordAnswer> {
    const body = packedBodyOf(staged ?? (await this.stageBody(event)), event);
    const eventWrite: TransactItem = {
      Put: {
        TableName: this.tableName,
        Item: toEventItem(event, body),
        // Two deliveries of one event may race here: exactly one stores it. The loser's
        // chunks went to other keys, or were the same bytes (see `chunkSetId`).
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': PK },
      },
    };
    return this.#records.load([eventWrite, this.#subjectWrite(change)]);
  }

  async reviseEvent(
    event: StoredEvent,
    change: SubjectChange | undefined,
    now: string,
  ): Promise<ReviseAnswer> {
    const revised: Item = {
      ...detailAttributes(event),
      leaseUntil: event.leaseUntil,
      replayedAt: now,
    };
    const names = Object.keys(revised);
    const eventWrite: TransactItem = {
      Update: {
        TableName: this.tableName,
        Key: { [PK]: event.detail.eventId },
        // An item written before moves to the current layout: a legacy item's old index keys
        // go, and so do the attributes new items leave out.
        UpdateExpression: `SET ${names.map((_, i) => `#a${i} = :a${i}`).join(', ')} REMOVE publishedAt, ${FORMER_ATTRIBUTES}`,
        // Not while another attempt holds the lease: it is publishing the stored detail, and
        // would mark this one published.
        ConditionExpression:
          'attribute_exists(#pk) AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now)',
        ExpressionAttributeNames: {
          '#pk': PK,
          ...Object.fromEntries(names.map((name, i) => [`#a${i}`, name])),
        },
        ExpressionAttributeValues: {
          ':now': now,
          ...Object.fromEntries(names.map((name, i) => [`:a${i}`, revised[name]])),
        },
      },
    };
    return this.#transact(change ? [eventWrite, this.#subjectWrite(change)] : [eventWrite], {
      done: 'revised',
      event: 'event-unavailable',
      subject: 'subject-moved',
    });
  }

  // `takeLease` and `markPublished` update only the event item, never the body: its chunk items
  // are immutable once written, and the small event item keeps these updates cheap.
  async takeLease(eventId: string, until: string, now: string): Promise<boolean> {
    return this.#conditional(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [PK]: eventId },
          UpdateExpression: 'SET leaseUntil = :until',
          // Only an unpublished event, and only once the previous attempt's lease has ended:
          // otherwise a concurrent duplicate would publish it a second time.
          ConditionExpression:
            'attribute_exists(#pk) AND attribute_not_exists(publishedAt) AND ' +
            '(attribute_not_exists(leaseUntil) OR leaseUntil < :now)',
          ExpressionAttributeNames: { '#pk': PK },
          ExpressionAttributeValues: { ':until': until, ':now': now },
        }),
      ),
    );
  }

  /** Coalesced with the other marks asked for at once (see `#marks`). */
  async markPublished(eventId: string, publishedAt: string): Promise<void> {
    await this.#marks.load({ eventId, publishedAt });
  }

  /** Coalesced with the other reads asked for at once (see `#subjects`). */
  async getSubject(key: string): Promise<SubjectState | undefined> {
    const item = await this.#subjects.load(SUBJECT_PREFIX + key);
    return item ? fromSubjectItem(item) : undefined;
  }

  /**
   * A batch's records start together, so their subjects are asked for in the same turn of the
   * event loop: one BatchGetItem reads them all (strongly consistent, as GetItem would; keys it
   * leaves unprocessed are asked for again, see `batchGetAll`).
   */
  readonly #subjects = new DataLoader<string, Item | undefined>(
    async (keys) => {
      // BatchGetItem refuses a key asked for twice.
      const unique = [...new Set(keys)].map((key) => ({ [PK]: key }));
      const found = await batchGetAll(this.client, this.tableName, unique, {
        consistentRead: true,
      });
      const byKey = new Map(found.map((item) => [item[PK], item]));
      return keys.map((key) => byKey.get(key));
    },
    { cache: false, maxBatchSize: BATCH_GET_KEYS },
  );

  /**
   * The publication marks of a batch are made together, when its PutEvents answers: one
   * BatchExecuteStatement of PartiQL updates, each billed as the UpdateItem it replaces. An
   * UPDATE never creates an item (a missing event fails `ConditionalCheckFailed`), and each
   * statement succeeds or fails on its own, failing only its own event's record.
   */
  readonly #marks = new DataLoader<PublicationMark, void>(
    async (marks) => {
      const { Responses = [] } = await this.client.send(
        new BatchExecuteStatementCommand({
          Statements: marks.map(({ eventId, publishedAt }) => ({
            Statement: `UPDATE "${this.tableName}" SET publishedAt = ? REMOVE leaseUntil WHERE "${PK}" = ?`,
            Parameters: [publishedAt, eventId],
          })),
        }),
      );
      return marks.map((mark, i) => statementError(mark.eventId, Responses[i]?.Error));
    },
    { cache: false, maxBatchSize: BATCH_STATEMENTS },
  );

  /**
   * The events a batch records at once go in one TransactWriteItems (up to 25 events, 50
   * actions): billed the same, 2 units per started KB of each action, in one request instead
   * of one each. Being atomic across events is more than they need, never wrong. Two writes of
   * one item (one subject, one event) never share a transaction: DynamoDB refuses that.
   */
  readonly #records = new DataLoader<TransactItem[], RecordAnswer>(
    async (writes) => {
      const answers: (RecordAnswer | Error)[] = [];
      await Promise.all(
        disjointGroups(writes).map(async (group) => {
          const results = await this.#recordTogether(group.map((at) => writes[at] ?? []));
          group.forEach((at, i) => (answers[at] = results[i] ?? new Error('no answer')));
        }),
      );
      return answers;
    },
    { cache: false, maxBatchSize: BATCH_RECORDS },
  );

  /**
   * One transaction of several events' writes. When DynamoDB cancels it, each event's own
   * reasons give its answer, as its own transaction would have; an event cancelled only because
   * of another (its reasons all `None`) is written again on its own, as is each event after an
   * error that names no item.
   */
  async #recordTogether(group: readonly TransactItem[][]): Promise<(RecordAnswer | Error)[]> {
    const alone = (write: TransactItem[]): Promise<RecordAnswer | Error> =>
      this.#transact(write, RECORD_ANSWERS).catch(asError);
    if (group.length === 1) return Promise.all(group.map(alone));
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: group.flat() }));
      return group.map(() => 'stored');
    } catch (error) {
      if (!isCancellation(error)) return Promise.all(group.map(alone));
      const codes = reasonCodes(error);
      let first = 0;
      return Promise.all(
        group.map((write) => {
          const own = codes.slice(first, (first += write.length));
          return answerOf(own, RECORD_ANSWERS, error) ?? alone(write);
        }),
      );
    }
  }

  /**
   * One atomic write of an event's item and its subject change. DynamoDB cancels the whole
   * write when a condition fails, listing a reason per item in order (`None` for the others):
   * see `answerOf`. A conflict with another transaction on one of the items, or throttling,
   * wrote nothing either and passes: `StoreBusyError`, so the record is retried.
   */
  async #transact<A extends string>(
    items: TransactItem[],
    answers: { readonly done: A; readonly event: A; readonly subject: A },
  ): Promise<A> {
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: items }));
      return answers.done;
    } catch (error) {
      if (!isCancellation(error)) throw error;
      const answer = answerOf(reasonCodes(error), answers, error);
      if (answer === undefined || answer instanceof Error) throw answer ?? error;
      return answer;
    }
  }

  /**
   * The subject changes only from the state the event was judged against: another event of
   * the subject written meanwhile fails this condition, and the event is judged again. An
   * event that leaves the subject as it is checks it all the same, so it is never stored with
   * an account of a state that had already moved on.
   */
  #subjectWrite(change: SubjectChange): TransactItem {
    const key = change.kind === 'replace' ? change.state.key : change.key;
    const condition: Condition =
      change.readVersion === undefined
        ? {
            ConditionExpression: 'attribute_not_exists(#pk)',
            ExpressionAttributeNames: { '#pk': PK },
          }
        : {
            ConditionExpression: '#version = :read',
            ExpressionAttributeNames: { '#version': 'version' },
            ExpressionAttributeValues: { ':read': change.readVersion },
          };
    return change.kind === 'replace'
      ? { Put: { TableName: this.tableName, Item: toSubjectItem(change.state), ...condition } }
      : {
          ConditionCheck: {
            TableName: this.tableName,
            Key: { [PK]: SUBJECT_PREFIX + key },
            ...condition,
          },
        };
  }

  async #getItem(key: string): Promise<Item | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { [PK]: key }, ConsistentRead: true }),
    );
    return Item;
  }

  /** Unconditional and idempotent: a chunk's key names its content (see `chunkSetId`). */
  async #putChunks(event: StoredEvent, body: ChunkedBody): Promise<void> {
    await Promise.all(
      body.chunks.map((chunk, index) =>
        this.#chunks.load({
          // No `itemType` nor `eventId`: the key's prefix says what it is, the event item names
          // its chunks, and every byte here is billed.
          [PK]: chunkKey(body.chunkSet, index),
          chunk,
          // Expire with their event; orphans of a crashed attempt expire the same way.
          [TTL]: event.expiresAt,
        }),
      ),
    );
  }

  /**
   * The chunk items a batch stages at once go in one BatchWriteItem (they are unconditional).
   * Items it leaves unprocessed (throttling) are put one by one, with the SDK's own retries.
   */
  readonly #chunks = new DataLoader<Item, void>(
    async (items) => {
      const { UnprocessedItems } = await this.client.send(
        new BatchWriteCommand({
          // BatchWriteItem refuses a key written twice; a chunk's key names its content, so
          // one put of each key writes them all.
          RequestItems: {
            [this.tableName]: [...new Map(items.map((item) => [item[PK], item])).values()].map(
              (Item) => ({ PutRequest: { Item } }),
            ),
          },
        }),
      );
      const later = UnprocessedItems?.[this.tableName] ?? [];
      await Promise.all(
        later.map(({ PutRequest }) =>
          this.client.send(new PutCommand({ TableName: this.tableName, Item: PutRequest?.Item })),
        ),
      );
      return items.map(() => undefined);
    },
    { cache: false, maxBatchSize: BATCH_WRITE_ITEMS },
  );

  async #readBody(eventId: string, item: Item): Promise<string> {
    const count = item['rawBodyChunks'];
    if (typeof count === 'number') {
      const chunkSet = item['rawBodyChunkSet'] as string;
      const chunks = await Promise.all(
        Array.from({ length: count }, async (_, index) => {
          const chunk = (await this.#getItem(chunkKey(chunkSet, index)))?.['chunk'];
          if (!(chunk instanceof Uint8Array)) {
            throw new Error(`Body chunk ${index} of event ${eventId} is missing from the table`);
          }
          return chunk;
        }),
      );
      const compressed = Buffer.concat(chunks);
      if (item['rawBodyCodec'] !== 'br') {
        return unpack(eventId, 'gzip', compressed, item['rawBodyBytes']);
      }
      // Brotli has no checksum: a flipped byte may still decode, to another body of the same
      // size. The set's name is a hash of what was written, so it tells.
      if (!namesChunks(chunkSet, eventId, item[TTL] as number, compressed)) {
        throw new Error(
          `Stored body of event ${eventId} is damaged (chunks do not match their set)`,
        );
      }
      return unpack(eventId, 'br', compressed, item['rawBodyBytes']);
    }
    const brotli = item['rawBodyBr'];
    if (brotli instanceof Uint8Array) return unpack(eventId, 'br', brotli, item['rawBodyBytes']);
    const gzipped = item['rawBodyGzip'];
    if (gzipped instanceof Uint8Array)
      return unpack(eventId, 'gzip', gzipped, item['rawBodyBytes']);
    return item['rawBody'] as string;
  }

  /** Runs a conditional write; `false` when its condition did not hold. */
  async #conditional(write: Promise<unknown>): Promise<boolean> {
    try {
      await write;
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      // Some engines (and older SDK paths) surface the error by name only.
      if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }
}

type Item = Record<string, unknown>;
type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];
interface Condition {
  readonly ConditionExpression: string;
  readonly ExpressionAttributeNames: Record<string, string>;
  readonly ExpressionAttributeValues?: Record<string, unknown>;
}

/** Cancellation reasons that mean "not now": the request rate of a table, key or account. */
const THROTTLING_REASONS = new Set([
  'ThrottlingError',
  'ProvisionedThroughputExceeded',
  'RequestLimitExceeded',
]);

/** BatchWriteItem's and BatchExecuteStatement's limits of items per request. */
const BATCH_WRITE_ITEMS = 25;
const BATCH_STATEMENTS = 25;

interface PublicationMark {
  readonly eventId: string;
  readonly publishedAt: string;
}

/** A failed statement of a batch as the error its single-item request would have thrown. */
function statementError(
  eventId: string,
  error: BatchStatementError | undefined,
): Error | undefined {
  if (!error?.Code) return undefined;
  const message = `${error.Code} on event ${eventId}: ${error.Message ?? 'no message'}`;
  if (error.Code === 'TransactionConflict') return new StoreBusyError('conflict', message);
  if (THROTTLING_REASONS.has(error.Code)) return new StoreBusyError('throttled', message);
  if (error.Code === 'ConditionalCheckFailed') {
    return new ConditionalCheckFailedException({ message, $metadata: {} });
  }
  return Object.assign(new Error(message), { name: error.Code });
}

/** What `recordEvent` answers for its transaction's outcomes. */
const RECORD_ANSWERS = { done: 'stored', event: 'event-exists', subject: 'subject-moved' } as const;

/** Events per combined transaction: 2 actions each, within TransactWriteItems' 100. */
const BATCH_RECORDS = 25;

function reasonCodes(error: TransactionCanceledException): string[] {
  return (error.CancellationReasons ?? []).map((reason) => reason.Code ?? 'None');
}

/**
 * One event's answer from the cancellation reasons of its own actions (its event item first,
 * then its subject): the event's condition failed → `answers.event`, the subject's →
 * `answers.subject`; a conflict or throttling → `StoreBusyError`; any other reason → the
 * cancellation itself; all `None` → undefined (another event's actions cancelled it).
 */
function answerOf<A extends string>(
  codes: readonly string[],
  answers: { readonly event: A; readonly subject: A },
  cancellation: TransactionCanceledException,
): A | Error | undefined {
  if (codes[0] === 'ConditionalCheckFailed') return answers.event;
  if (codes[1] === 'ConditionalCheckFailed') return answers.subject;
  if (codes.includes('TransactionConflict')) {
    return new StoreBusyError('conflict', cancellation.message);
  }
  if (codes.some((code) => THROTTLING_REASONS.has(code))) {
    return new StoreBusyError('throttled', cancellation.message);
  }
  return codes.every((code) => code === 'None') ? undefined : cancellation;
}

/**
 * The writes, by position, in groups that touch no item twice, in order: each group one
 * transaction.
 */
function disjointGroups(writes: readonly TransactItem[][]): number[][] {
  const groups: { readonly keys: Set<unknown>; readonly writes: number[] }[] = [];
  writes.forEach((write, at) => {
    const keys = write.map(itemKeyOf);
    const group = groups.find((candidate) => keys.every((key) => !candidate.keys.has(key)));
    if (group) {
      keys.forEach((key) => group.keys.add(key));
      group.writes.push(at);
    } else {
      groups.push({ keys: new Set(keys), writes: [at] });
    }
  });
  return groups.map((group) => group.writes);
}

function itemKeyOf(action: TransactItem): unknown {
  return (
    action.Put?.Item?.[PK] ??
    action.Update?.Key?.[PK] ??
    action.ConditionCheck?.Key?.[PK] ??
    action.Delete?.Key?.[PK]
  );
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function isCancellation(error: unknown): error is TransactionCanceledException {
  // Some engines (and older SDK paths) surface the error by name only.
  return (
    error instanceof TransactionCanceledException ||
    (error instanceof Error && error.name === 'TransactionCanceledException')
  );
}

/** The raw body as stored: see `ONE_WRITE_UNIT_BYTES`; `none` only to size the rest. */
type PackedBody =
  | { readonly form: 'none' }
  | { readonly form: 'inline'; readonly bytes: number; readonly compressed: Uint8Array }
  | ChunkedBody;

interface ChunkedBody {
  readonly form: 'chunks';
  readonly bytes: number;
  readonly chunkSet: string;
  readonly chunks: readonly Uint8Array[];
}

/** A body this store staged: its packed form, chunks already written. */
class StagedDynamoBody implements StagedBody {
  constructor(
    readonly eventId: string,
    readonly packed: PackedBody,
  ) {}
}

function packedBodyOf(staged: StagedBody, event: StoredEvent): PackedBody {
  if (!(staged instanceof StagedDynamoBody) || staged.eventId !== event.detail.eventId) {
    throw new Error(`The body given for event ${event.detail.eventId} was not staged for it here`);
  }
  return staged.packed;
}

/** The longest status word, which judging may write into `previousStatus`. */
const LONGEST_STATUS = STATUSES.reduce((longest, status) =>
  status.length > longest.length ? status : longest,
);

/**
 * The event as its item will be at its largest once judged (`previousStatus` and `outOfOrder`
 * stored, see `storedDetail`) and leased (an ISO time has a fixed length), so a body staged
 * before both still fits where it was put.
 */
function asJudgedAndLeased(event: StoredEvent): StoredEvent {
  return {
    ...event,
    leaseUntil: event.leaseUntil ?? new Date(0).toISOString(),
    detail: { ...event.detail, previousStatus: LONGEST_STATUS, outOfOrder: true },
  };
}

/** Attribute name and value bytes of `rawBodyBr` and `rawBodyBytes`, as DynamoDB counts them. */
const INLINE_BODY_OVERHEAD_BYTES = 'rawBodyBr'.length + 'rawBodyBytes'.length + 8;

/**
 * In the event item while that stays within one write unit (`withoutBody` is the item at its
 * largest, see `asJudgedAndLeased`; the publication mark later replaces the lease), else in
 * chunk items.
 */
function packBody(event: StoredEvent, withoutBody: Item): PackedBody {
  // The text is compressed even when it is base64 (a non-UTF-8 body): the text comes back exact.
  const text = Buffer.from(event.rawBody, 'utf8');
  const quality = text.length <= SMALL_BODY_MAX_BYTES ? SMALL_BODY_QUALITY : LARGE_BODY_QUALITY;
  const compressed = compress(text, quality);
  const inlineRoom =
    ONE_WRITE_UNIT_BYTES - documentItemSize(withoutBody) - INLINE_BODY_OVERHEAD_BYTES;
  return compressed.length <= inlineRoom
    ? { form: 'inline', bytes: text.length, compressed }
    : chunked(event, text.length, compressed);
}

/**
 * Synchronous: on a webhook body it takes about a millisecond (a 1 MB one at the fast setting,
 * tens), and every record of a batch then stages its body in the same turn of the event loop,
 * so their chunks go in one BatchWriteItem (see `#chunks`).
 */
function compress(text: Buffer, quality: number): Buffer {
  return brotliCompressSync(text, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: quality,
      [constants.BROTLI_PARAM_SIZE_HINT]: text.length,
    },
  });
}

/** The compressed body split over chunk items, each within DynamoDB's item limit. */
function chunked(event: StoredEvent, bytes: number, compressed: Uint8Array): ChunkedBody {
  const chunks: Uint8Array[] = [];
  for (let start = 0; start < compressed.length; start += CHUNK_MAX_BYTES) {
    chunks.push(compressed.subarray(start, start + CHUNK_MAX_BYTES));
  }
  const chunkSet = chunkSetId(event.detail.eventId, event.expiresAt, compressed);
  return { form: 'chunks', bytes, chunkSet, chunks };
}

/**
 * Names a set of chunks by their event, expiry and content (the first 128 bits of a sha-256:
 * stored twice per event, so every byte counts, and still far beyond chance). Two deliveries of one
 * event that differ in body or expiry write disjoint chunks, so the loser of their race cannot
 * overwrite the winner's chunks, nor shorten their TTL; identical ones (a retry of the same queue
 * message) write the same bytes to the same keys.
 */
function chunkSetId(eventId: string, expiresAt: number, compressed: Uint8Array): string {
  return chunksDigest(eventId, expiresAt, compressed).subarray(0, 16).toString('base64url');
}

/** Whether `chunkSet` names these bytes: as now, or as sets written before did (the whole hash). */
function namesChunks(
  chunkSet: string,
  eventId: string,
  expiresAt: number,
  compressed: Uint8Array,
): boolean {
  const digest = chunksDigest(eventId, expiresAt, compressed);
  return [digest.subarray(0, 16), digest].some((name) => name.toString('base64url') === chunkSet);
}

function chunksDigest(eventId: string, expiresAt: number, compressed: Uint8Array): Buffer {
  return (
    createHash('sha256')
      // A JSON array is self-delimiting, whatever characters the event id holds.
      .update(JSON.stringify([eventId, expiresAt]))
      .update(compressed)
      .digest()
  );
}

function chunkKey(chunkSet: string, index: number): string {
  return `${BODY_CHUNK_PREFIX}${chunkSet}#${index}`;
}

/**
 * The body's text. A damaged body is an error, never a wrong body: gzip's trailer (a CRC-32 and
 * the length) is checked by `gunzip`, Brotli's stream structure by its decoder (and a chunked
 * body's bytes by `#readBody`), and both lengths against `rawBodyBytes`.
 */
async function unpack(
  eventId: string,
  codec: 'br' | 'gzip',
  compressed: Uint8Array,
  bytes: unknown,
): Promise<string> {
  let text: Buffer;
  try {
    text = await (codec === 'br' ? unbrotliAsync(compressed) : gunzipAsync(compressed));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Stored body of event ${eventId} is damaged (${reason})`, { cause: error });
  }
  if (typeof bytes === 'number' && text.length !== bytes) {
    throw new Error(
      `Stored body of event ${eventId} is damaged (${text.length} bytes, not ${bytes})`,
    );
  }
  return text.toString('utf8');
}

function bodyAttributes(body: PackedBody): Item {
  switch (body.form) {
    case 'none':
      return {};
    case 'inline':
      return { rawBodyBr: body.compressed, rawBodyBytes: body.bytes };
    case 'chunks':
      return {
        rawBodyChunks: body.chunks.length,
        rawBodyChunkSet: body.chunkSet,
        // Kept: chunks written before Brotli name no codec, and are gzip.
        rawBodyCodec: 'br',
        rawBodyBytes: body.bytes,
      };
  }
}

/**
 * The normalized detail (without payload: that is read from the raw body; without what the keys
 * hold, see `storedDetail`), and its subject and vendor time as the lookup index's keys: what a
 * replay rewrites, so the item never disagrees with itself.
 */
function detailAttributes(event: StoredEvent): Item {
  return {
    detail: storedDetail(event.detail),
    detailType: event.detailType,
    [LOOKUP.partitionKey]: event.subjectKey,
    [LOOKUP.sortKey]: event.detail.occurredAt,
  };
}

/**
 * No `itemType`, `vendor` nor `receivedAt`: the `detail` says it is an event item and when it
 * was received, the eventId's prefix whose it is (`formerEventAttributes`).
 */
function toEventItem(event: StoredEvent, body: PackedBody): Item {
  return {
    [PK]: event.detail.eventId,
    ...detailAttributes(event),
    route: event.route,
    ...bodyAttributes(body),
    bodyEncoding: event.bodyEncoding,
    leaseUntil: event.leaseUntil,
    publishedAt: event.publishedAt,
    [TTL]: event.expiresAt,
  };
}

function fromEventItem(item: Item, rawBody: string): StoredEvent {
  return {
    detail: detailOf(item),
    detailType: item['detailType'] as StoredEvent['detailType'],
    subjectKey: (item[LOOKUP.partitionKey] ?? item[LEGACY.partitionKey]) as string,
    route: item['route'] as string,
    rawBody,
    ...(item['bodyEncoding'] === 'base64' && { bodyEncoding: 'base64' as const }),
    ...(typeof item['publishedAt'] === 'string' && { publishedAt: item['publishedAt'] }),
    ...(typeof item['leaseUntil'] === 'string' && { leaseUntil: item['leaseUntil'] }),
    expiresAt: item[TTL] as number,
  };
}

function toSubjectItem(state: SubjectState): Item {
  const vendor = state.key.slice(0, state.key.indexOf('#'));
  return {
    [PK]: SUBJECT_PREFIX + state.key,
    // Filed under the customer's reference in the lookup index (dynamo-schema.ts), so a
    // reference finds its subjects in one query; the projected attributes are absent here, and
    // an unchanged reference writes nothing to the index when the subject advances.
    ...(state.externalRef !== undefined && {
      [LOOKUP.partitionKey]: referenceKey(vendor, state.externalRef),
      [LOOKUP.sortKey]: state.key,
      externalRef: state.externalRef,
    }),
    // No `itemType` nor copy of the subject key: the key's prefix says what it is, and whose.
    // No `updatedAt` either (items written before hold it): nothing read it.
    status: state.status,
    // A subject's first state has none: left out, and read back as `null`.
    previousStatus: state.previousStatus ?? undefined,
    statusOccurredAt: state.occurredAt,
    eventId: state.eventId,
    version: state.version,
    [TTL]: state.expiresAt,
  };
}

function fromSubjectItem(item: Item): SubjectState {
  return {
    // Subject items written before held the key again, as `subject`.
    key: String(item[PK]).slice(SUBJECT_PREFIX.length),
    status: item['status'] as SubjectState['status'],
    previousStatus: (item['previousStatus'] ?? null) as SubjectState['previousStatus'],
    occurredAt: item['statusOccurredAt'] as string,
    eventId: item['eventId'] as string,
    version: item['version'] as number,
    expiresAt: item[TTL] as number,
    ...(typeof item['externalRef'] === 'string' && { externalRef: item['externalRef'] }),
  };
}
