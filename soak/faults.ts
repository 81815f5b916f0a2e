import {
  InternalServerError,
  ProvisionedThroughputExceededException,
  ThrottlingException as DynamoThrottlingException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  InternalException,
  ThrottlingException as EventBridgeThrottlingException,
} from '@aws-sdk/client-eventbridge';
import { SQSServiceException } from '@aws-sdk/client-sqs';
import type { Random } from './random.js';

/**
 * The faults a soak run injects, how often, and the errors that stand for them. Errors are the
 * SDK's own exception classes, thrown where the SDK would throw them once its own retries are
 * spent, so adapters and orchestration see exactly what they would see in AWS.
 */

/** Probabilities: per SQS send, DynamoDB write or read, PutEvents call, invocation, event. */
export interface FaultRates {
  /** SendMessage fails and nothing is queued (a 5xx). */
  readonly queueError: number;
  /** SendMessage times out before SQS took the message. */
  readonly queueTimeoutLost: number;
  /** SendMessage times out after SQS took the message: the vendor retries a queued delivery. */
  readonly queueTimeoutQueued: number;
  /** A DynamoDB write is throttled (nothing written). */
  readonly writeThrottled: number;
  /** A DynamoDB write answers 500 without having been written. */
  readonly writeFailed: number;
  /** A DynamoDB write answers 500 although it was written. */
  readonly writeFailedApplied: number;
  /**
   * A TransactWriteItems is cancelled with `ConditionalCheckFailed` on the event item (or on
   * the subject item), although nothing changed: what the processor sees when another attempt
   * stored the event (or moved the subject) first, except that reading again finds nothing new.
   */
  readonly transactionEventCondition: number;
  readonly transactionSubjectCondition: number;
  /** A TransactWriteItems is cancelled by a concurrent transaction on one of its items. */
  readonly transactionConflict: number;
  /** A TransactWriteItems is cancelled by throttling on one of its items. */
  readonly transactionThrottled: number;
  /** A DynamoDB read is throttled. */
  readonly readThrottled: number;
  /** PutEvents fails whole; nothing was published. */
  readonly publishFailed: number;
  /** PutEvents published every entry but its answer was lost (a timeout). */
  readonly publishAnswerLost: number;
  /** PutEvents answers 200 with `FailedEntryCount > 0`. */
  readonly publishPartial: number;
  /** Share of entries that fail in a partial failure (at least one does). */
  readonly publishPartialEntries: number;
  /** An invocation crashes at one chosen port call, before or after it took effect. */
  readonly crash: number;
  /** A vendor API answers 503 (enrichment is retried by its queue). */
  readonly vendorApiError: number;
  /** A vendor API answers nothing before the client's deadline. */
  readonly vendorApiTimeout: number;
  /**
   * Share of events whose item is a hot key: every call on it is throttled for as long as
   * faults last, so each of its messages fails all five receives and lands in the DLQ.
   */
  readonly hotEvents: number;
}

/**
 * About one processing attempt in four fails. Faults rarely strike one message five times in a
 * row, so these alone seldom dead-letter anything: the hot keys are what fill the DLQ, so that
 * its redrive is exercised in every default run.
 */
export const DEFAULT_FAULT_RATES: FaultRates = {
  queueError: 0.05,
  queueTimeoutLost: 0.02,
  queueTimeoutQueued: 0.04,
  writeThrottled: 0.02,
  writeFailed: 0.01,
  writeFailedApplied: 0.01,
  transactionEventCondition: 0.01,
  transactionSubjectCondition: 0.01,
  transactionConflict: 0.01,
  transactionThrottled: 0.01,
  readThrottled: 0.005,
  publishFailed: 0.02,
  publishAnswerLost: 0.01,
  publishPartial: 0.04,
  publishPartialEntries: 0.3,
  crash: 0.1,
  vendorApiError: 0.15,
  vendorApiTimeout: 0.05,
  hotEvents: 0.003,
};

/** The kinds of fault drawn at a chance (hot keys are chosen by event, up front). */
export type FaultKind = Exclude<keyof FaultRates, 'publishPartialEntries' | 'hotEvents'>;

const QUEUE_KINDS = ['queueError', 'queueTimeoutLost', 'queueTimeoutQueued'] as const;
const WRITE_KINDS = ['writeThrottled', 'writeFailed', 'writeFailedApplied'] as const;
const TRANSACTION_KINDS = [
  'transactionEventCondition',
  'transactionSubjectCondition',
  'transactionConflict',
  'transactionThrottled',
] as const;
const PUBLISH_KINDS = ['publishFailed', 'publishAnswerLost', 'publishPartial'] as const;
export const VENDOR_API_KINDS = ['vendorApiError', 'vendorApiTimeout'] as const;
export const FAULT_KINDS: readonly FaultKind[] = [
  ...QUEUE_KINDS,
  ...WRITE_KINDS,
  ...TRANSACTION_KINDS,
  'readThrottled',
  ...PUBLISH_KINDS,
  'crash',
  ...VENDOR_API_KINDS,
];

/** Every injected error's message starts with this, so the logs tell them from real ones. */
export const INJECTED = '[soak] injected';

export function isInjected(text: string): boolean {
  return text.includes(INJECTED);
}

/** What an injected error's message says happened, without the marker. */
export function injectedWhat(text: string): string {
  const at = text.indexOf(INJECTED);
  return at < 0 ? text : text.slice(at + INJECTED.length).replace(/^: /, '');
}

export interface Fault {
  readonly label: string;
  /** Whether the call took effect before the error was raised. */
  readonly applied: boolean;
  readonly error: () => Error;
}

/**
 * Faults are on until traffic ends, so the DLQ can then be redriven and drained without them.
 *
 * Every kind of fault the rates enable strikes at least once in a run, whatever its length and
 * however its work is batched: until a kind has struck, its next chance takes it; the rates
 * decide the rest. Drawn at a chance alone, a rare kind may not strike at all in a short run —
 * on a loaded machine batches grow, so there are fewer invocations and PutEvents calls for it
 * to strike — and a kind that never struck proves nothing.
 */
export class FaultSwitch {
  #on = true;
  readonly #owed: Set<FaultKind>;
  /** How often each kind struck. */
  readonly struck = new Map<FaultKind, number>();

  constructor(readonly rates: FaultRates) {
    this.#owed = new Set(FAULT_KINDS.filter((kind) => rates[kind] > 0));
  }

  get on(): boolean {
    return this.#on;
  }

  off(): void {
    this.#on = false;
  }

  /** Kinds the rates enable that have not struck (yet). */
  get owed(): readonly FaultKind[] {
    return [...this.#owed];
  }

  /** Whether `kind` has yet to strike (a crash is planned, and strikes only if reached). */
  isOwed(kind: FaultKind): boolean {
    return this.#owed.has(kind);
  }

  /** Records that `kind` struck. */
  strike(kind: FaultKind): void {
    this.#owed.delete(kind);
    this.struck.set(kind, (this.struck.get(kind) ?? 0) + 1);
  }

  /**
   * The kind of fault for one chance at `kinds` (nothing when faults are off): the first of
   * them still owed, else one drawn by the rates with a single roll. It strikes.
   */
  draw<K extends FaultKind>(kinds: readonly K[], rng: Random): K | undefined {
    if (!this.#on) return undefined;
    const roll = rng.next();
    let kind = kinds.find((k) => this.#owed.has(k));
    if (kind === undefined) {
      let bound = 0;
      kind = kinds.find((k) => roll < (bound += this.rates[k]));
    }
    if (kind !== undefined) this.strike(kind);
    return kind;
  }
}

const metadata = { httpStatusCode: 500 } as const;

export function queueFault(faults: FaultSwitch, rng: Random): Fault | undefined {
  switch (faults.draw(QUEUE_KINDS, rng)) {
    case 'queueError':
      return {
        label: 'SQS SendMessage 500 (not queued)',
        applied: false,
        error: () =>
          new SQSServiceException({
            name: 'InternalError',
            $fault: 'server',
            $metadata: metadata,
            message: `${INJECTED}: SQS internal error`,
          }),
      };
    case 'queueTimeoutLost':
      return { label: 'SQS SendMessage timeout (not queued)', applied: false, error: timeout };
    case 'queueTimeoutQueued':
      return { label: 'SQS SendMessage timeout (queued)', applied: true, error: timeout };
    case undefined:
      return undefined;
  }
}

const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem']);

/** What each item of a TransactWriteItems is, in order: the event item or the subject item. */
export type TransactionItemRole = 'event' | 'subject';

/**
 * A fault for one DynamoDB call: reads may be throttled; writes throttled or failed (some after
 * taking effect); transactions also cancelled, with a reason on one of `roles`' items.
 */
export function dynamoFault(
  faults: FaultSwitch,
  rng: Random,
  operation: string,
  roles: readonly TransactionItemRole[] = [],
): Fault | undefined {
  const transaction = operation === 'TransactWriteItems';
  const kinds: readonly FaultKind[] = transaction
    ? [...WRITE_KINDS, ...TRANSACTION_KINDS]
    : WRITES.has(operation)
      ? WRITE_KINDS
      : ['readThrottled'];
  switch (faults.draw(kinds, rng)) {
    case 'readThrottled':
    case 'writeThrottled':
      return {
        label: `DynamoDB ${operation} throttled`,
        applied: false,
        error: () => throttled(rng),
      };
    case 'writeFailed':
      return {
        label: `DynamoDB ${operation} 500 (not written)`,
        applied: false,
        error: dynamoServerError,
      };
    case 'writeFailedApplied':
      return {
        label: `DynamoDB ${operation} 500 (written)`,
        applied: true,
        error: dynamoServerError,
      };
    case 'transactionEventCondition':
      return cancelled(roles, rng, 'ConditionalCheckFailed', 'event');
    case 'transactionSubjectCondition':
      return cancelled(roles, rng, 'ConditionalCheckFailed', 'subject');
    case 'transactionConflict':
      return cancelled(roles, rng, 'TransactionConflict');
    case 'transactionThrottled':
      return cancelled(roles, rng, 'ThrottlingError');
    default:
      return undefined;
  }
}

/**
 * TransactWriteItems cancelled, as DynamoDB reports it: one reason per item, in order, `None`
 * for the items that passed. A condition fails on the item of `role` (the event item when the
 * write has no subject item); a conflict or throttling on any one item.
 */
function cancelled(
  roles: readonly TransactionItemRole[],
  rng: Random,
  code: string,
  role?: TransactionItemRole,
): Fault {
  const at = role === undefined ? rng.int(0, roles.length - 1) : Math.max(0, roles.indexOf(role));
  const on = roles[at] ?? 'event';
  const reasons = roles.map((_, i) => ({ Code: i === at ? code : 'None' }));
  return {
    label: `DynamoDB TransactWriteItems cancelled (${code} on the ${on} item)`,
    applied: false,
    error: () =>
      new TransactionCanceledException({
        $metadata: { httpStatusCode: 400 },
        message:
          `${INJECTED}: Transaction cancelled, please refer cancellation reasons for specific ` +
          `reasons [${reasons.map((reason) => reason.Code).join(', ')}]`,
        CancellationReasons: reasons,
      }),
  };
}

/** The fault on a hot key: the throttling DynamoDB answers while a partition is over its limit. */
export const HOT_KEY_FAULT: Fault = {
  label: 'DynamoDB throttled (hot key, sustained)',
  applied: false,
  error: () =>
    new ProvisionedThroughputExceededException({
      $metadata: { httpStatusCode: 400 },
      message: `${INJECTED}: DynamoDB throttled (hot key)`,
    }),
};

export type PublishFault =
  | (Fault & { readonly kind: 'whole' })
  | { readonly kind: 'partial'; readonly label: string; readonly failing: ReadonlySet<number> };

export function publishFault(
  faults: FaultSwitch,
  rng: Random,
  entries: number,
): PublishFault | undefined {
  switch (faults.draw(PUBLISH_KINDS, rng)) {
    case 'publishFailed':
      return {
        kind: 'whole',
        label: 'PutEvents failed whole',
        applied: false,
        error: () =>
          rng.chance(0.5)
            ? new InternalException({
                $metadata: metadata,
                message: `${INJECTED}: PutEvents internal error`,
              })
            : new EventBridgeThrottlingException({
                $metadata: { httpStatusCode: 400 },
                message: `${INJECTED}: PutEvents rate exceeded`,
              }),
      };
    case 'publishAnswerLost':
      return {
        kind: 'whole',
        label: 'PutEvents answer lost (published)',
        applied: true,
        error: timeout,
      };
    case 'publishPartial': {
      const failing = new Set<number>();
      for (let i = 0; i < entries; i += 1) {
        if (rng.chance(faults.rates.publishPartialEntries)) failing.add(i);
      }
      if (failing.size === 0) failing.add(rng.int(0, entries - 1));
      return { kind: 'partial', label: 'PutEvents FailedEntryCount > 0', failing };
    }
    case undefined:
      return undefined;
  }
}

function throttled(rng: Random): Error {
  return rng.chance(0.5)
    ? new ProvisionedThroughputExceededException({
        $metadata: { httpStatusCode: 400 },
        message: `${INJECTED}: DynamoDB provisioned throughput exceeded`,
      })
    : new DynamoThrottlingException({
        $metadata: { httpStatusCode: 400 },
        message: `${INJECTED}: DynamoDB throttled`,
      });
}

function dynamoServerError(): Error {
  return new InternalServerError({
    $metadata: metadata,
    message: `${INJECTED}: DynamoDB internal error`,
  });
}

/** What the SDK's HTTP handler throws when a request outlives its timeout. */
function timeout(): Error {
  const error = new Error(`${INJECTED}: request timed out`);
  error.name = 'TimeoutError';
  return error;
}
