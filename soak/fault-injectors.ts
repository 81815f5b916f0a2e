import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type {
  EventBridgeClient,
  PutEventsCommandInput,
  PutEventsCommandOutput,
  PutEventsRequestEntry,
  PutEventsResultEntry,
} from '@aws-sdk/client-eventbridge';
import type { SendMessageCommandInput, SQSClient } from '@aws-sdk/client-sqs';
import { currentCall } from './call-context.js';
import { TABLE_SCHEMA } from '../lambdas/adapters/dynamo-schema.js';
import {
  dynamoFault,
  INJECTED,
  publishFault,
  queueFault,
  type FaultSwitch,
  type TransactionItemRole,
} from './faults.js';
import { currentInvocation } from './invocation.js';

/**
 * Fault injection inside the SDK clients the adapters use, as the first middleware of each
 * call: an injected error is what the adapter would receive once the SDK's own retries are
 * spent. A fault "after" lets the call reach the engine first, so it took effect and only its
 * answer is lost.
 */

/** Ingest's queue: SendMessage fails or times out, before or after SQS took the message. */
export function injectQueueFaults(
  client: SQSClient,
  faults: FaultSwitch,
  onQueued: (messageBody: string) => void,
): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const call = currentCall();
      if (call?.kind !== 'ingest' || context.commandName !== 'SendMessageCommand') {
        return next(args);
      }
      const body = (args.input as SendMessageCommandInput).MessageBody ?? '';
      const fault = queueFault(faults, call.rng);
      if (fault && !fault.applied) {
        call.faults.push(fault.label);
        throw fault.error();
      }
      const result = await next(args);
      onQueued(body);
      if (fault) {
        call.faults.push(fault.label);
        throw fault.error();
      }
      return result;
    },
    { step: 'initialize', name: 'soakQueueFaults' },
  );
}

/**
 * The processor's table: throttling and 500s on writes (some after the write), cancelled
 * transactions, throttled reads.
 */
export function injectStoreFaults(client: DynamoDBClient, faults: FaultSwitch): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const invocation = currentInvocation();
      if (!invocation || !faults.on) return next(args);
      const operation = (context.commandName ?? '').replace(/Command$/, '');
      const roles = operation === 'TransactWriteItems' ? itemRoles(args.input) : [];
      const fault = dynamoFault(faults, invocation.rng, operation, roles);
      if (!fault) return next(args);
      invocation.faults.push(fault.label);
      if (fault.applied) await next(args);
      throw fault.error();
    },
    { step: 'initialize', name: 'soakStoreFaults' },
  );
}

/** The processor's bus: PutEvents fails whole, loses its answer, or fails some entries. */
export function injectPublishFaults(client: EventBridgeClient, faults: FaultSwitch): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const invocation = currentInvocation();
      if (!invocation || !faults.on || context.commandName !== 'PutEventsCommand') {
        return next(args);
      }
      const input = args.input as PutEventsCommandInput;
      const entries = input.Entries ?? [];
      const fault = publishFault(faults, invocation.rng, entries.length);
      if (!fault) return next(args);
      invocation.faults.push(fault.label);
      if (fault.kind === 'whole') {
        if (fault.applied) {
          await next(args);
          for (const entry of entries) invocation.acceptedUnknowingly.add(eventIdOf(entry));
        }
        throw fault.error();
      }
      // EventBridge never received the failing entries: only the others are sent.
      const kept = entries.filter((_, i) => !fault.failing.has(i));
      const sent =
        kept.length > 0 ? await next({ ...args, input: { ...input, Entries: kept } }) : undefined;
      const sentOutput = sent?.output as PutEventsCommandOutput | undefined;
      const sentEntries = sentOutput?.Entries ?? [];
      let k = 0;
      const merged: PutEventsResultEntry[] = entries.map((_, i) => {
        if (fault.failing.has(i)) {
          return { ErrorCode: 'InternalFailure', ErrorMessage: `${INJECTED}: entry not accepted` };
        }
        const result = sentEntries[k] ?? {};
        k += 1;
        return result;
      });
      const output: PutEventsCommandOutput = {
        $metadata: sentOutput?.$metadata ?? { httpStatusCode: 200 },
        FailedEntryCount: merged.filter((entry) => entry.ErrorCode !== undefined).length,
        Entries: merged,
      };
      return { output, response: sent?.response };
    },
    { step: 'initialize', name: 'soakPublishFaults' },
  );
}

function eventIdOf(entry: PutEventsRequestEntry): string {
  try {
    const detail = JSON.parse(entry.Detail ?? '{}') as { eventId?: unknown };
    return typeof detail.eventId === 'string' ? detail.eventId : '';
  } catch {
    return '';
  }
}

/**
 * Which item of a TransactWriteItems is the subject's (its key starts `SUBJECT#`) and which the
 * event's, from the request as the middleware sees it: marshalled (`{S: …}`) or not yet.
 */
function itemRoles(input: unknown): TransactionItemRole[] {
  const items = (input as { TransactItems?: Record<string, { Item?: Item; Key?: Item }>[] })
    .TransactItems;
  return (items ?? []).map((item) => {
    const write = Object.values(item)[0];
    const key = (write?.Item ?? write?.Key)?.[TABLE_SCHEMA.partitionKey];
    const text = typeof key === 'string' ? key : (key as { S?: string } | undefined)?.S;
    return text?.startsWith(TABLE_SCHEMA.keyPrefixes.subject) ? 'subject' : 'event';
  });
}

type Item = Record<string, unknown>;
