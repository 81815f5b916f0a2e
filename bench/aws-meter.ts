import { GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { TABLE_SCHEMA } from '../lambdas/adapters/dynamo-schema.js';
import { itemSize, readUnits, writeUnits, type Item } from './item-size.js';

/**
 * Counts every AWS request the pipeline makes, by service and operation, with what each one
 * bills: SQS requests and EventBridge entries per started 64 KiB, DynamoDB read and write units
 * from item sizes (table and the `bySubject` index). Attached as SDK middleware, so the product's
 * adapters run unchanged.
 */

export type Service = 'dynamodb' | 'sqs' | 'eventbridge';

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
  /** DynamoDB writes: size of the larger of the item before and after. */
  readonly itemBytes?: number;
  /** DynamoDB writes: size of the item after the write, and which kind of item it is. */
  readonly afterBytes?: number;
  readonly itemKind?: 'event' | 'subject';
  /** EventBridge PutEvents: entry sizes as EventBridge counts them. */
  readonly entryBytes?: readonly number[];
}

const CHUNK = 64 * 1024;
const chunks = (bytes: number): number => Math.max(1, Math.ceil(bytes / CHUNK));
const utf8 = (text: unknown): number => (typeof text === 'string' ? Buffer.byteLength(text) : 0);

const PK = TABLE_SCHEMA.partitionKey;
const INDEX = TABLE_SCHEMA.subjectIndex;

type Input = Record<string, unknown>;

function operationOf(commandName: string | undefined): string {
  return (commandName ?? 'Unknown').replace(/Command$/, '');
}

/** Whether an item appears in the sparse `bySubject` index (both of its keys are strings). */
function inIndex(item: Item | undefined): boolean {
  return item?.[INDEX.partitionKey]?.S !== undefined && item[INDEX.sortKey]?.S !== undefined;
}

function indexKey(item: Item | undefined): string {
  return `${item?.[INDEX.partitionKey]?.S ?? ''}\u0000${item?.[INDEX.sortKey]?.S ?? ''}`;
}

/**
 * Index writes for one table write (ProjectionType ALL, so an entry is the whole item): a new
 * or updated entry is one write of its size; a changed index key is a delete plus a put.
 */
function indexUnits(before: Item | undefined, after: Item | undefined): number {
  const was = inIndex(before);
  const is = inIndex(after);
  if (was && is) {
    return indexKey(before) === indexKey(after)
      ? writeUnits(itemSize(after))
      : writeUnits(itemSize(before)) + writeUnits(itemSize(after));
  }
  if (is) return writeUnits(itemSize(after));
  if (was) return writeUnits(itemSize(before));
  return 0;
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
        const written = input['Item'] as Item | undefined;
        const writtenKey = written?.[PK];
        const key: Item | undefined =
          (input['Key'] as Item | undefined) ?? (writtenKey && { [PK]: writtenKey });
        const isWrite = ['PutItem', 'UpdateItem', 'DeleteItem'].includes(operation);
        const before = isWrite && key ? await image(input['TableName'], key) : undefined;
        let result;
        try {
          result = await next(args);
        } catch (error) {
          // A failed conditional write still bills units; assumed by the larger item size.
          if (isWrite) {
            const bytes = Math.max(itemSize(before), itemSize(written));
            this.#records.push({
              service: 'dynamodb',
              operation,
              failed: true,
              wruTable: writeUnits(bytes),
              wruIndex: 0,
              itemBytes: bytes,
            });
          }
          throw error;
        }
        const output = result.output as unknown as Input;
        const reported = (output['ConsumedCapacity'] as { CapacityUnits?: number } | undefined)
          ?.CapacityUnits;
        if (isWrite && key) {
          const after = await image(input['TableName'], key);
          const bytes = Math.max(itemSize(before), itemSize(after));
          this.#records.push({
            service: 'dynamodb',
            operation,
            failed: false,
            wruTable: writeUnits(bytes),
            wruIndex: indexUnits(before, after),
            itemBytes: bytes,
            afterBytes: itemSize(after),
            // Event items carry the index keys; subject items do not (dynamo-event-store.ts).
            itemKind: inIndex(after) || inIndex(before) ? 'event' : 'subject',
            ...(reported !== undefined && { reportedUnits: reported }),
          });
        } else {
          // The pipeline only reads single items; other operations are counted without units.
          const item = output['Item'] as Item | undefined;
          this.#records.push({
            service: 'dynamodb',
            operation,
            failed: false,
            ...(operation === 'GetItem' && {
              rru: readUnits(itemSize(item), input['ConsistentRead'] === true),
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
