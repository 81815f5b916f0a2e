import type { Audit } from './audit.js';
import { tally, UNEXPLAINED, type Ledger } from './ledger.js';

export interface Verdict {
  readonly ok: boolean;
  /** One line per broken promise; empty when the run passed. */
  readonly failures: readonly string[];
}

export interface QueueOutcome {
  readonly drained: boolean;
  readonly deadLetteredAtEnd: number;
}

/** Receives before SQS moves a message to the DLQ (the stack's setting). */
export const MAX_RECEIVES = 5;

/**
 * The run passes when no acknowledged delivery was lost, no event was stored twice or
 * published inconsistently, no subject regressed, every duplicate publication has an allowed
 * cause (DESIGN §4.3), nothing is left in the DLQ, and nothing else went wrong unexplained.
 */
export function judge(audit: Audit, ledger: Ledger, queue: QueueOutcome): Verdict {
  const failures: string[] = [];
  const check = (count: number, what: string, samples: readonly string[] = []): void => {
    if (count > 0) {
      failures.push(`${count} ${what}${samples.length > 0 ? `, e.g. ${samples.join('; ')}` : ''}`);
    }
  };
  check(audit.lost.count, 'acknowledged event(s) lost', audit.lost.samples);
  check(
    audit.storedTwice.count,
    'event(s) stored twice or published inconsistently',
    audit.storedTwice.samples,
  );
  check(audit.regressions.count, 'status regression(s)', audit.regressions.samples);
  check(
    audit.duplicates.unexplained.count,
    'duplicate publication(s) without an allowed cause',
    audit.duplicates.unexplained.samples,
  );
  check(
    audit.subjectsInconsistent.count,
    'subject item(s) inconsistent with their events',
    audit.subjectsInconsistent.samples,
  );
  check(
    audit.contentMismatches.count,
    'event(s) stored unlike they were sent',
    audit.contentMismatches.samples,
  );
  check(audit.unmarked.count, 'stored event(s) never marked published', audit.unmarked.samples);
  check(audit.unexpectedItems.count, 'unexpected table item(s)', audit.unexpectedItems.samples);
  check(
    audit.unexpectedPublications.count,
    'published event(s) no vendor sent',
    audit.unexpectedPublications.samples,
  );
  if (audit.eventsFileLines !== audit.publishedEntries) {
    failures.push(
      `the events file holds ${audit.eventsFileLines} entries, the endpoint accepted ${audit.publishedEntries}`,
    );
  }
  check(ledger.forgeriesAccepted, 'forged deliveries acknowledged');
  check(ledger.genuineRefused, 'genuine deliveries refused with 4xx');
  check(ledger.abandoned, 'genuine deliveries never acknowledged');
  check(queue.deadLetteredAtEnd, 'message(s) left in the DLQ after the redrive');
  if (!queue.drained) failures.push('the queue did not drain before the deadline');
  const unexplainedFailures = [...ledger.recordFailures]
    .filter(([cause]) => cause.startsWith(UNEXPLAINED))
    .map(([cause, count]) => `${cause} ×${count}`);
  check(unexplainedFailures.length, 'kind(s) of unexplained record failure', unexplainedFailures);
  const unexplainedDead = deadLetterCauses(ledger).unexplained;
  check(
    unexplainedDead.length,
    'message(s) dead-lettered for a reason not injected',
    unexplainedDead,
  );
  return { ok: failures.length === 0, failures };
}

/** Messages whose first five receives all failed (so SQS moved them to the DLQ), by cause. */
export function deadLetterCauses(ledger: Ledger): {
  readonly count: number;
  readonly causes: ReadonlyMap<string, number>;
  readonly unexplained: readonly string[];
} {
  let count = 0;
  const causes = new Map<string, number>();
  const unexplained: string[] = [];
  for (const [requestId, history] of ledger.messages) {
    const firstFive = history.failures.slice(0, MAX_RECEIVES);
    if (firstFive.length < MAX_RECEIVES) continue;
    count += 1;
    for (const cause of firstFive) tally(causes, cause);
    if (firstFive.some((cause) => cause.startsWith(UNEXPLAINED))) unexplained.push(requestId);
  }
  return { count, causes, unexplained };
}
