import {
  InternalServerError,
  ProvisionedThroughputExceededException,
  ThrottlingException as DynamoThrottlingException,
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
  readThrottled: 0.005,
  publishFailed: 0.02,
  publishAnswerLost: 0.01,
  publishPartial: 0.04,
  publishPartialEntries: 0.3,
  crash: 0.1,
  hotEvents: 0.003,
};

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

/** Switched off once traffic ends, so the DLQ can be redriven and drained without faults. */
export class FaultSwitch {
  #on = true;
  get on(): boolean {
    return this.#on;
  }
  off(): void {
    this.#on = false;
  }
}

const metadata = { httpStatusCode: 500 } as const;

export function queueFault(rates: FaultRates, rng: Random): Fault | undefined {
  const roll = rng.next();
  if (roll < rates.queueError) {
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
  }
  if (roll < rates.queueError + rates.queueTimeoutLost) {
    return { label: 'SQS SendMessage timeout (not queued)', applied: false, error: timeout };
  }
  if (roll < rates.queueError + rates.queueTimeoutLost + rates.queueTimeoutQueued) {
    return { label: 'SQS SendMessage timeout (queued)', applied: true, error: timeout };
  }
  return undefined;
}

const WRITES = new Set([
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'TransactWriteItems',
]);

export function dynamoFault(rates: FaultRates, rng: Random, operation: string): Fault | undefined {
  const roll = rng.next();
  if (!WRITES.has(operation)) {
    return roll < rates.readThrottled
      ? {
          label: `DynamoDB ${operation} throttled`,
          applied: false,
          error: () => throttled(rng),
        }
      : undefined;
  }
  if (roll < rates.writeThrottled) {
    return {
      label: `DynamoDB ${operation} throttled`,
      applied: false,
      error: () => throttled(rng),
    };
  }
  if (roll < rates.writeThrottled + rates.writeFailed) {
    return {
      label: `DynamoDB ${operation} 500 (not written)`,
      applied: false,
      error: dynamoServerError,
    };
  }
  if (roll < rates.writeThrottled + rates.writeFailed + rates.writeFailedApplied) {
    return {
      label: `DynamoDB ${operation} 500 (written)`,
      applied: true,
      error: dynamoServerError,
    };
  }
  return undefined;
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
  rates: FaultRates,
  rng: Random,
  entries: number,
): PublishFault | undefined {
  const roll = rng.next();
  if (roll < rates.publishFailed) {
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
  }
  if (roll < rates.publishFailed + rates.publishAnswerLost) {
    return {
      kind: 'whole',
      label: 'PutEvents answer lost (published)',
      applied: true,
      error: timeout,
    };
  }
  if (roll < rates.publishFailed + rates.publishAnswerLost + rates.publishPartial) {
    const failing = new Set<number>();
    for (let i = 0; i < entries; i += 1) {
      if (rng.chance(rates.publishPartialEntries)) failing.add(i);
    }
    if (failing.size === 0) failing.add(rng.int(0, entries - 1));
    return { kind: 'partial', label: 'PutEvents FailedEntryCount > 0', failing };
  }
  return undefined;
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
