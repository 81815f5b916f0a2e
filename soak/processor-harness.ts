import type { SQSBatchResponse } from 'aws-lambda';
import type { ProcessorLog } from '../lambdas/processor/process-record.js';
import type { BatchHandler } from '../local/poller.js';
import { runAs } from './call-context.js';
import { injectedWhat, isInjected, type FaultSwitch } from './faults.js';
import { currentInvocation, Invocation, planCrash, type RecordRef } from './invocation.js';
import { tally, UNEXPLAINED, type Ledger } from './ledger.js';
import { keyed } from './random.js';

export interface HarnessOptions {
  /** The real processor handler, built over the observed ports. */
  readonly processor: BatchHandler;
  readonly seed: number;
  readonly faults: FaultSwitch;
  readonly ledger: Ledger;
  /** The invocation's time budget: past it, the invocation is killed, as Lambda does. */
  readonly invocationMs: number;
}

/**
 * Wraps the processor handler the way the Lambda runtime runs it: each call is one invocation
 * that may crash at a planned port call or be killed at its timeout. A dead invocation returns
 * no batch response (the poller then deletes nothing, so its whole batch is redelivered).
 */
export function createHarnessedProcessor(options: HarnessOptions): BatchHandler {
  const { processor, seed, faults, ledger, invocationMs } = options;
  let invocations = 0;
  return async (event, context) => {
    const records: RecordRef[] = event.Records.map((record) => ({
      messageId: record.messageId,
      requestId: requestIdOf(record.body),
      receiveCount: Number(record.attributes.ApproximateReceiveCount),
    }));
    // Keyed by the batch's content, so the same batch meets the same fate in every run.
    const rng = keyed(
      seed,
      'invocation',
      records
        .map((record) => `${record.requestId}@${record.receiveCount}`)
        .sort()
        .join(','),
    );
    const crash = planCrash(rng, faults, records.length);
    invocations += 1;
    const invocation = new Invocation(invocations, records, rng, crash, faults);
    const timer = setTimeout(() => invocation.die('invocation timeout (killed)'), invocationMs);
    let response: SQSBatchResponse;
    try {
      response = await runAs(invocation, () => processor(event, context));
    } catch (error) {
      invocation.die(`${UNEXPLAINED}: handler threw ${describe(error)}`);
      response = { batchItemFailures: [] };
    } finally {
      clearTimeout(timer);
    }
    ledger.finishInvocation(
      invocation,
      invocation.dead
        ? undefined
        : new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier)),
    );
    if (invocation.dead) throw new Error(`invocation died: ${invocation.deathCause}`);
    return response;
  };
}

/**
 * The processor's log, read for the reason of each failed record. A reason the soak cannot
 * trace to an injected fault or to its expected consequences is marked unexplained.
 */
export function createProcessorLog(ledger: Ledger): ProcessorLog {
  return {
    info(message, attributes) {
      if (message === 'duplicate event skipped') ledger.duplicatesSkipped += 1;
      if (message.startsWith('another attempt wrote first')) {
        tally(ledger.writesRefused, String(attributes['answer']));
      }
    },
    warn(message, attributes) {
      const invocation = currentInvocation();
      const messageId = attributes['messageId'];
      if (!message.startsWith('record failed') || !invocation || typeof messageId !== 'string') {
        return;
      }
      invocation.recordFailures.set(messageId, failureCause(invocation, attributes));
    },
  };
}

function failureCause(invocation: Invocation, attributes: Record<string, unknown>): string {
  const reason = String(attributes['reason'] ?? '');
  const error = String(attributes['error'] ?? '');
  if (isInjected(error)) {
    return invocation.dead ? invocation.deathCause : `injected: ${injectedWhat(error)}`;
  }
  switch (reason) {
    // A copy of the event is being published by another attempt, or a crashed one's lease
    // has not ended: the consequence of repeats and crashes, retried by SQS.
    case 'event_busy':
      return 'event busy (another attempt holds its lease)';
    case 'subject_contention':
      return 'subject contention';
    // DynamoDB cancels a transaction that overlaps another on one of its items.
    case 'store_conflict':
      return 'transaction conflict (concurrent writes to one item)';
    case 'publish_failed':
      return invocation.faults.some((label) => label.startsWith('PutEvents'))
        ? 'injected: PutEvents failure'
        : `${UNEXPLAINED}: publish failed (${error})`;
    default:
      return `${UNEXPLAINED}: ${reason} ${error}`;
  }
}

function requestIdOf(body: string): string {
  try {
    const message = JSON.parse(body) as { requestId?: unknown };
    return typeof message.requestId === 'string' ? message.requestId : body;
  } catch {
    return body;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
