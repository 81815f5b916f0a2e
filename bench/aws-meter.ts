import { GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { TABLE_SCHEMA } from '../lambdas/adapters/dynamo-schema.js';
import { itemSize, readUnits, writeUnits, type Item } from './item-size.js';

/**
 * Counts every AWS request the pipeline makes, by service and operation, with what each one
 * bills: SQS requests and EventBridge entries per started 64 KiB, DynamoDB read and write units
 * from item sizes (the table, and each index by its projection), a transaction's actions at 2
 * write units per started KB each. Attached as SDK middleware, so the product's adapters run
 * unchanged.
 */

export type Service = 'dynamodb' | 'sqs' | 'eventbridge';

export type ItemKind = 'event' | 'subject' | 'bodyChunk';

export interface StoredItem {
  readonly key: string;
  readonly kind: ItemKind;
  readonly bytes: number;
  /** Bytes of its entries in the table's indexes. */
  readonly indexBytes: number;
}

export interface MeterRecord {
  readonly service: Service;
  readonly operation: string;
  readonly failed: boolean;
  /** SQS: billed requests (64 KiB chunks of payload, at least 1). */
  readonly sqsBilled?: number;
  /** SQS ReceiveMessage: messages returned. */
  readonly messages?: number;
  /** DynamoDB: units computed from item sizes. */
  readonly rru?: number;
  readonly wruTable?: number;
  readonly wruIndex?: number;
  /** DynamoDB: table units the engine itself reported (ReturnConsumedCapacity). */
  readonly reportedUnits?: number;
  /** DynamoDB writes: each item written, its kind and its size after the write. */
  readonly stored?: readonly StoredItem[];
  /** EventBridge PutEvents: entry sizes as EventBridge counts them. */
  readonly entryBytes?: readonly number[];
}

const CHUNK = 64 * 1024;
const chunks = (bytes: number): number => Math.max(1, Math.ceil(bytes / CHUNK));
const utf8 = (text: unknown): number => (typeof text === 'string' ? Buffer.byteLength(text) : 0);

const PK = TABLE_SCHEMA.partitionKey;

type Input = Record<string, unknown>;

function operationOf(commandName: string | undefined): string {
  return (commandName ?? 'Unknown').replace(/Command$/, '');
}

/** The table's indexes as DynamoDB maintains them: keys, and what each entry copies. */
const INDEXES = [
  {
    keys: [TABLE_SCHEMA.lookupIndex.partitionKey, TABLE_SCHEMA.lookupIndex.sortKey],
    projected: TABLE_SCHEMA.lookupIndex.projected as readonly string[] | 'ALL',
  },
  {
    keys: [TABLE_SCHEMA.legacySubjectIndex.partitionKey, TABLE_SCHEMA.legacySubjectIndex.sortKey],
    projected: 'ALL' as const,
  },
];

/** An item's entry in a sparse index (both keys strings), as the index stores it. */
function indexEntry(index: (typeof INDEXES)[number], item: Item | undefined): Item | undefined {
  if (!item || index.keys.some((key) => item[key]?.S === undefined)) return undefined;
  if (index.projected === 'ALL') return item;
  const names = [PK, ...index.keys, ...index.projected];
  return Object.fromEntries(
    names.flatMap((name) => (item[name] ? [[name, item[name]] as const] : [])),
  );
}

/** A JSON text that is the same for equal items whatever their attribute order. */
function canonical(value: unknown): string {
  if (value instanceof Uint8Array) return JSON.stringify(Buffer.from(value).toString('base64'));
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Index writes for one table write, by the documented rule: a new entry is one write of its
 * size, a removed one one write, a changed index key a delete plus a put, and a write that
 * changes neither the keys nor a projected attribute writes nothing to the index.
 */
function indexUnits(before: Item | undefined, after: Item | undefined): number {
  return INDEXES.reduce((total, index) => {
    const was = indexEntry(index, before);
    const is = indexEntry(index, after);
    const keyOf = (entry: Item) => canonical(index.keys.map((key) => entry[key]));
    if (was && is) {
      if (keyOf(was) !== keyOf(is))
        return total + writeUnits(itemSize(was)) + writeUnits(itemSize(is));
      return canonical(was) === canonical(is) ? total : total + writeUnits(itemSize(is));
    }
    if (is) return total + writeUnits(itemSize(is));
    if (was) return total + writeUnits(itemSize(was));
    return total;
  }, 0);
}

/** The items a read request names: a GetItem's key, or each key of a BatchGetItem. */
function readsOf(
  operation: string,
  input: Input,
): { readonly table: string; readonly key: Item; readonly consistent: boolean }[] {
  if (operation === 'GetItem' && input['Key']) {
    const consistent = input['ConsistentRead'] === true;
    return [{ table: String(input['TableName']), key: input['Key'] as Item, consistent }];
  }
  if (operation !== 'BatchGetItem') return [];
  const tables = Object.entries((input['RequestItems'] ?? {}) as Record<string, Input>);
  return tables.flatMap(([table, request]) =>
    ((request['Keys'] ?? []) as Item[]).map((key) => ({
      table,
      key,
      consistent: request['ConsistentRead'] === true,
    })),
  );
}

/** What kind of item a key names (dynamo-schema.ts). */
function kindOf(key: string): ItemKind {
  if (key.startsWith(TABLE_SCHEMA.keyPrefixes.subject)) return 'subject';
  if (key.startsWith(TABLE_SCHEMA.keyPrefixes.bodyChunk)) return 'bodyChunk';
  return 'event';
}

/** One item a write names: its key, and the item it writes (a Put), if any. */
interface Target {
  readonly table: string;
  readonly key: Item;
  readonly written?: Item;
  /** A transaction's ConditionCheck: billed as a write, changes nothing. */
  readonly checkOnly?: boolean;
}

function targetOf(request: Input): Target | undefined {
  const written = request['Item'] as Item | undefined;
  const key = (request['Key'] as Item | undefined) ?? (written?.[PK] && { [PK]: written[PK] });
  return key
    ? { table: String(request['TableName']), key, ...(written && { written }) }
    : undefined;
}

/**
 * The items a write request touches: one for a single-item write, each action of a transaction,
 * each put of a BatchWriteItem, each statement of a BatchExecuteStatement (the store's only
 * statements are `UPDATE "<table>" … WHERE "<key>" = ?`, the key their last parameter).
 */
function targetsOf(operation: string, input: Input): Target[] {
  if (['PutItem', 'UpdateItem', 'DeleteItem'].includes(operation)) {
    const target = targetOf(input);
    return target ? [target] : [];
  }
  if (operation === 'BatchWriteItem') {
    const tables = Object.entries((input['RequestItems'] ?? {}) as Record<string, Input[]>);
    return tables.flatMap(([table, requests]) =>
      requests.flatMap((request) => {
        const put = request['PutRequest'] as Input | undefined;
        const target = put ? targetOf({ ...put, TableName: table }) : undefined;
        return target ? [target] : [];
      }),
    );
  }
  if (operation === 'BatchExecuteStatement') {
    return ((input['Statements'] ?? []) as Input[]).flatMap((statement) => {
      const table = /^UPDATE "([^"]+)"/.exec(String(statement['Statement']))?.[1];
      const key = (statement['Parameters'] as Item[keyof Item][] | undefined)?.at(-1);
      return table && key ? [{ table, key: { [PK]: key } }] : [];
    });
  }
  if (operation !== 'TransactWriteItems') return [];
  return ((input['TransactItems'] ?? []) as Input[]).flatMap((action) => {
    const [kind, request] = Object.entries(action)[0] ?? [];
    const target = request ? targetOf(request as Input) : undefined;
    return target ? [{ ...target, checkOnly: kind === 'ConditionCheck' }] : [];
  });
}

export class AwsMeter {
  #records: MeterRecord[] = [];
  /** Off while timing: metering reads item images around every write. */
  enabled = false;

  reset(): void {
    this.#records = [];
  }

  records(): readonly MeterRecord[] {
    return this.#records;
  }

  /**
   * `images` is a client without this middleware, used to read an item before and after each
   * write: DynamoDB bills a write by the larger of the two.
   */
  attachDynamo(client: DynamoDBClient, images: DynamoDBClient): void {
    const image = async (table: unknown, key: Item): Promise<Item | undefined> => {
      const { Item } = await images.send(
        new GetItemCommand({ TableName: String(table), Key: key, ConsistentRead: true }),
      );
      return Item;
    };
    client.middlewareStack.add(
      (next) => async (args) => {
        // Asked for on every call, to compare the engine's own count with the computed one.
        if (this.enabled) (args.input as Input)['ReturnConsumedCapacity'] = 'TOTAL';
        return next(args);
      },
      { step: 'initialize', name: 'benchConsumedCapacity' },
    );
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (!this.enabled) return next(args);
        const operation = operationOf(context.commandName);
        // By the build step the document client has marshalled the input to AttributeValues.
        const input = args.input as Input;
        const targets = targetsOf(operation, input);
        // A transactional write bills 2 units per started KB of each action (prepare, commit).
        const perKb = operation === 'TransactWriteItems' ? 2 : 1;
        const before = await Promise.all(targets.map((t) => image(t.table, t.key)));
        let result;
        try {
          result = await next(args);
        } catch (error) {
          // A failed conditional write still bills units; assumed by the larger item size.
          if (targets.length > 0) {
            this.#records.push({
              service: 'dynamodb',
              operation,
              failed: true,
              wruTable: targets.reduce(
                (sum, t, i) =>
                  sum + perKb * writeUnits(Math.max(itemSize(before[i]), itemSize(t.written))),
                0,
              ),
              wruIndex: 0,
            });
          }
          throw error;
        }
        const output = result.output as unknown as Input;
        const reported = (output['ConsumedCapacity'] as { CapacityUnits?: number } | undefined)
          ?.CapacityUnits;
        if (targets.length > 0) {
          const after = await Promise.all(targets.map((t) => image(t.table, t.key)));
          let wruTable = 0;
          let wruIndex = 0;
          const stored: StoredItem[] = [];
          targets.forEach((target, i) => {
            wruTable += perKb * writeUnits(Math.max(itemSize(before[i]), itemSize(after[i])));
            if (target.checkOnly) return;
            wruIndex += indexUnits(before[i], after[i]);
            const key = String(target.key[PK]?.S ?? '');
            stored.push({
              key,
              kind: kindOf(key),
              bytes: itemSize(after[i]),
              indexBytes: INDEXES.reduce(
                (sum, index) => sum + itemSize(indexEntry(index, after[i])),
                0,
              ),
            });
          });
          this.#records.push({
            service: 'dynamodb',
            operation,
            failed: false,
            wruTable,
            wruIndex,
            stored,
            ...(reported !== undefined && { reportedUnits: reported }),
          });
        } else {
          // Reads: a GetItem, or each key of a BatchGetItem, billed by the size of the item it
          // found (a missing one bills the minimum). The items are read again through `images`:
          // a document client's output is no longer in AttributeValue form here.
          const reads = readsOf(operation, input);
          const found = await Promise.all(reads.map((read) => image(read.table, read.key)));
          this.#records.push({
            service: 'dynamodb',
            operation,
            failed: false,
            ...(reads.length > 0 && {
              rru: reads.reduce(
                (sum, read, i) => sum + readUnits(itemSize(found[i]), read.consistent),
                0,
              ),
            }),
            ...(reported !== undefined && { reportedUnits: reported }),
          });
        }
        return result;
      },
      { step: 'build', name: 'benchDynamoMeter' },
    );
  }

  attachSqs(client: SQSClient): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (!this.enabled) return next(args);
        const operation = operationOf(context.commandName);
        const input = args.input as Input;
        let failed = false;
        try {
          const result = await next(args);
          const messages = (result.output as unknown as Input)['Messages'];
          const received = Array.isArray(messages) ? (messages as Input[]) : [];
          const payload =
            operation === 'ReceiveMessage'
              ? received.reduce((sum, m) => sum + utf8(m['Body']), 0)
              : utf8(input['MessageBody']);
          this.#records.push({
            service: 'sqs',
            operation,
            failed,
            sqsBilled: chunks(payload),
            ...(operation === 'ReceiveMessage' && { messages: received.length }),
          });
          return result;
        } catch (error) {
          failed = true;
          this.#records.push({ service: 'sqs', operation, failed, sqsBilled: 1 });
          throw error;
        }
      },
      { step: 'initialize', name: 'benchSqsMeter' },
    );
  }

  attachEventBridge(client: EventBridgeClient): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (!this.enabled) return next(args);
        const entries = ((args.input as Input)['Entries'] ?? []) as Input[];
        // EventBridge's entry size: Time (14) + Source + DetailType + Detail, in UTF-8 bytes.
        const entryBytes = entries.map(
          (e) =>
            (e['Time'] === undefined ? 0 : 14) +
            utf8(e['Source']) +
            utf8(e['DetailType']) +
            utf8(e['Detail']),
        );
        const operation = operationOf(context.commandName);
        try {
          const result = await next(args);
          this.#records.push({ service: 'eventbridge', operation, failed: false, entryBytes });
          return result;
        } catch (error) {
          this.#records.push({ service: 'eventbridge', operation, failed: true, entryBytes });
          throw error;
        }
      },
      { step: 'initialize', name: 'benchEventBridgeMeter' },
    );
  }
}

/** EventBridge bills custom events per started 64 KiB of entry. */
export function eventBridgeChunks(entryBytes: readonly number[]): number {
  return entryBytes.reduce((sum, bytes) => sum + chunks(bytes), 0);
}
