import { VENDOR_API_KINDS } from './faults.js';
import { sortedCounts, tally } from './ledger.js';
import type { SoakResult } from './run-soak.js';
import { deadLetterCauses } from './verdict.js';

/** The run as a plain-text table: what was sent, what came out, what was injected, the verdict. */
export function formatReport(result: SoakResult): string {
  const { scenario, ledger, audit, queue, timings, verdict } = result;
  const lines: string[] = [];
  const section = (title: string): void => {
    lines.push('', title);
  };
  const row = (label: string, value: string | number, note = ''): void => {
    lines.push(
      `  ${label.padEnd(52, ' ')} ${String(value).padStart(8, ' ')}${note ? `  ${note}` : ''}`,
    );
  };
  const counts = (map: ReadonlyMap<string, number>, indent = '    '): void => {
    for (const [label, count] of sortedCounts(map)) row(`${indent}${label}`, count);
  };

  const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
  lines.push(
    `KYC webhook soak: seed ${scenario.seed}, ${scenario.deliveries} deliveries, ` +
      `wall time ${seconds(timings.totalMs)} (traffic ${seconds(timings.trafficMs)}, ` +
      `drain and redrive ${seconds(timings.drainMs)})`,
  );

  section('Traffic');
  const byVendor = new Map<string, number>();
  for (const subject of scenario.subjects) tally(byVendor, subject.vendor, subject.events.length);
  row('deliveries sent', scenario.deliveries, `${scenario.forgeries} forged`);
  row('events / subjects', `${scenario.events.length}`, `${scenario.subjects.length} subjects`);
  row('  events by vendor', '', [...byVendor].map(([v, n]) => `${v} ${n}`).join(', '));
  row(
    '  delivered 2-5 times',
    scenario.repeated,
    `${scenario.concurrentRepeats} of them concurrently`,
  );
  row('  sent before an older event of their subject', scenario.reordered);
  row('  subjects ending in an equal-time pair', scenario.equalTimePairs);
  row(
    'HTTP requests to ingest',
    ledger.httpRequests,
    [...ledger.httpAnswers].map(([status, n]) => `${status}: ${n}`).join(', '),
  );
  row('acknowledged 2xx (genuine deliveries)', ledger.acknowledged.size);
  row(
    'refused (forgeries)',
    [...ledger.refused.values()].reduce((a, b) => a + b, 0),
    [...ledger.refused].map(([status, n]) => `${status}: ${n}`).join(', '),
  );
  row('vendor retries (after a 503)', ledger.httpRequests - scenario.deliveries);
  row('messages queued', ledger.messagesQueued, 'SQS took them, answered or not');

  section('Outcome');
  row('stored events', audit.storedEvents, `of ${audit.acknowledgedEvents} acknowledged`);
  row(
    'results fetched from vendor APIs',
    audit.apiEvents,
    `stored and published as events; vendor API faults: ${VENDOR_API_KINDS.map(
      (kind) => `${kind} ${result.faults.get(kind) ?? 0}`,
    ).join(', ')}`,
  );
  row('subject items', audit.subjectItems);
  row(
    'published entries',
    audit.publishedEntries,
    `${audit.publishedEvents} distinct events; ${audit.eventsFileLines} lines in the events file`,
  );
  row('  published as out of order', audit.outOfOrderPublished);
  row('LOST (acknowledged, never published)', audit.lost.count);
  row('STORED TWICE (divergent details)', audit.storedTwice.count);
  row('STATUS REGRESSIONS', audit.regressions.count);
  row('subject items inconsistent', audit.subjectsInconsistent.count);
  row('events stored unlike they were sent', audit.contentMismatches.count);
  row('stored events without published mark', audit.unmarked.count);
  row('unexpected table items', audit.unexpectedItems.count);
  row('published events no vendor sent', audit.unexpectedPublications.count);
  row('duplicate publications', audit.duplicates.extra, 'allowed causes below');
  counts(audit.duplicates.byCause);
  row('  DUPLICATES WITHOUT AN ALLOWED CAUSE', audit.duplicates.unexplained.count);
  row('duplicate deliveries skipped by the processor', ledger.duplicatesSkipped);
  row(
    'atomic writes refused, read and judged again',
    [...ledger.writesRefused.values()].reduce((a, b) => a + b, 0),
    [...ledger.writesRefused].map(([answer, n]) => `${answer}: ${n}`).join(', '),
  );

  section('Dead-letter queue');
  const dead = deadLetterCauses(ledger);
  row('dead-lettered under faults (5 failed receives)', queue.deadLettered, `${dead.count} traced`);
  row('  their failed receives, by cause', '');
  counts(dead.causes);
  row('redriven once faults stopped', queue.redriven);
  row('left in the DLQ at the end', queue.deadLetteredAtEnd);

  section('Faults injected');
  counts(ledger.faults);

  section('Processing');
  row('processor invocations', ledger.invocations);
  row(
    '  died (crashed or killed)',
    [...ledger.deaths.values()].reduce((a, b) => a + b, 0),
  );
  row(
    'record failures, retried by SQS',
    [...ledger.recordFailures.values()].reduce((a, b) => a + b, 0),
  );
  counts(ledger.recordFailures);
  if (ledger.pollerErrors.size > 0) {
    row(
      'poller errors (receive/delete)',
      [...ledger.pollerErrors.values()].reduce((a, b) => a + b, 0),
    );
    counts(ledger.pollerErrors);
  }
  row('ingest outcomes other than accepted', '');
  counts(ledger.ingestOutcomes);

  section(verdict.ok ? 'PASS' : 'FAIL');
  for (const failure of verdict.failures) lines.push(`  ${failure}`);
  return lines.join('\n');
}
