import { isInjected } from './faults.js';
import type { Invocation } from './invocation.js';

/** What happened to one queue message, across its receives (keyed by ingest request id). */
export interface MessageHistory {
  receives: number;
  readonly failures: string[];
  processed: boolean;
}

/** A cause that the soak cannot trace to an injected fault: always a defect to look at. */
export const UNEXPLAINED = 'UNEXPLAINED';

/**
 * Everything the run observed as it happened, for the audit to explain what it finds in the
 * table and the events file afterwards.
 */
export class Ledger {
  /** Injected faults by label (as drawn, whether or not they then changed the outcome). */
  readonly faults = new Map<string, number>();

  readonly httpAnswers = new Map<number, number>();
  httpRequests = 0;
  /** Sends acknowledged 2xx, and the number of attempts each one took. */
  readonly acknowledged = new Map<string, number>();
  /** Forgeries answered non-2xx, by status. */
  readonly refused = new Map<number, number>();
  /** Defects at ingest: a genuine delivery refused, or a forgery accepted. */
  genuineRefused = 0;
  forgeriesAccepted = 0;
  /** Genuine sends still not acknowledged after the vendor's last retry. */
  abandoned = 0;
  /** Ingest's own log lines, by outcome and reason code. */
  readonly ingestOutcomes = new Map<string, number>();
  /** Messages SQS took, and the receive times queued for each event id. */
  messagesQueued = 0;
  readonly queuedReceivedAt = new Map<string, Set<string>>();

  invocations = 0;
  readonly deaths = new Map<string, number>();
  readonly recordFailures = new Map<string, number>();
  readonly messages = new Map<string, MessageHistory>();
  /**
   * Per event id, each time EventBridge took it but no published mark followed in that attempt,
   * with the reason: every such window allows one more publication, nothing else does.
   */
  readonly windows = new Map<string, string[]>();
  duplicatesSkipped = 0;
  /** Atomic writes the store refused because another attempt wrote first, by answer. */
  readonly writesRefused = new Map<string, number>();
  /** Errors the poller logged other than a dead invocation's batch (receive, delete). */
  readonly pollerErrors = new Map<string, number>();

  fault(label: string): void {
    tally(this.faults, label);
  }

  answered(status: number): void {
    this.httpRequests += 1;
    tally(this.httpAnswers, status);
  }

  refusedForgery(status: number): void {
    tally(this.refused, status);
  }

  /** A message SQS took (even if the sender never heard so). */
  queued(messageBody: string): void {
    this.messagesQueued += 1;
    try {
      const message = JSON.parse(messageBody) as {
        vendor?: string;
        dedupId?: string;
        receivedAt?: string;
      };
      const eventId = `${message.vendor}:${message.dedupId}`;
      const times = this.queuedReceivedAt.get(eventId) ?? new Set<string>();
      times.add(message.receivedAt ?? '');
      this.queuedReceivedAt.set(eventId, times);
    } catch {
      // Ingest only queues JSON; anything else shows up as a poison message downstream.
    }
  }

  /**
   * Closes an invocation: which of its records failed and why, which publications it left
   * unmarked and why. `failed` is undefined when the invocation died (all its records failed).
   */
  finishInvocation(invocation: Invocation, failed: ReadonlySet<string> | undefined): void {
    this.invocations += 1;
    for (const label of invocation.faults) this.fault(label);
    if (invocation.dead) tally(this.deaths, invocation.deathCause);

    for (const record of invocation.records) {
      const history = this.messages.get(record.requestId) ?? {
        receives: 0,
        failures: [],
        processed: false,
      };
      history.receives += 1;
      const didFail = failed === undefined || failed.has(record.messageId);
      if (didFail) {
        const cause = invocation.dead
          ? invocation.deathCause
          : (invocation.recordFailures.get(record.messageId) ?? `${UNEXPLAINED}: no reason logged`);
        history.failures.push(cause);
        tally(this.recordFailures, cause);
      } else {
        history.processed = true;
      }
      this.messages.set(record.requestId, history);
    }

    for (const eventId of invocation.accepted) {
      if (invocation.marked.has(eventId)) continue;
      const failure = invocation.markFailures.get(eventId);
      const reason = invocation.dead
        ? invocation.deathCause
        : failure !== undefined
          ? isInjected(failure.message)
            ? `markPublished failed (${failure.name})`
            : `${UNEXPLAINED}: markPublished failed (${failure.name})`
          : `${UNEXPLAINED}: accepted, never marked`;
      this.#window(eventId, reason);
    }
    for (const eventId of invocation.acceptedUnknowingly) {
      this.#window(eventId, 'PutEvents answer lost (published)');
    }
  }

  #window(eventId: string, reason: string): void {
    const reasons = this.windows.get(eventId) ?? [];
    reasons.push(reason);
    this.windows.set(eventId, reasons);
  }
}

/** Adds `by` to the count of `key`. */
export function tally<K>(map: Map<K, number>, key: K, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}

/** Sorted by count, largest first, for the report. */
export function sortedCounts(map: ReadonlyMap<string, number>): [string, number][] {
  return [...map.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}
