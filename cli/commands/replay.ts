import {
  DynamoEventHistory,
  type EventFilter,
} from '../../lambdas/adapters/dynamo-event-history.js';
import { DynamoEventStore } from '../../lambdas/adapters/dynamo-event-store.js';
import { EventBridgeEventPublisher } from '../../lambdas/adapters/eventbridge-event-publisher.js';
import { parseTime } from '../args.js';
import { defineCommand, sharedOption } from '../command.js';
import { EXIT, UsageError } from '../errors.js';
import type { Vendor } from '../../lambdas/core/vendor.js';
import type { Output } from '../io.js';
import {
  replayEvent,
  selectEvents,
  type ReplayDeps,
  type ReplayOutcome,
  type ReplayResult,
} from '../replay.js';

/** Longer than one replay's write and publish; a crashed replay's lease ends by itself. */
export const REPLAY_LEASE_MS = 60_000;

const USAGE = `Usage: npx kyc-webhooks replay <selection> [options]

Runs stored raw deliveries through the CURRENT vendor code, and republishes them when something
changed or they were never published: with the same eventId, and, for an event published before,
the next revision (detail.revision: 1, 2, …), so consumers that dedupe on eventId + revision take
the correction.`;

const NOTES = `What replay does to the subject's state (it never re-applies an older event):
  - an event whose subject and vendor time are unchanged keeps its previousStatus and
    outOfOrder; only if it set the subject's current state and its status changed is that
    state corrected;
  - an event whose subject or vendor time changed is ordered against its subject with the
    processor's rule: applied if newer, published out of order if older.
The event and its subject's change are written together, as the processor writes them (judged
again if the subject moved meanwhile), then published. If publishing fails, the corrected event
stays stored and unpublished: replay --unpublished publishes it.`;

/** Outcomes that need the operator: anything but published, would-publish or unchanged. */
const FAILED_OUTCOMES: ReadonlySet<ReplayOutcome> = new Set([
  'busy',
  'missing',
  'not_produced',
  'failed',
]);

export const replayCommand = defineCommand({
  name: 'replay',
  summary: 're-normalize stored deliveries with the current code and republish them',
  usage: USAGE,
  options: {
    'event-id': {
      type: 'string',
      multiple: true,
      value: 'ID',
      heading: 'Selection (at least one):',
      help: 'this event (repeatable); the filters below then do not apply',
    },
    unpublished: {
      type: 'boolean',
      help: 'events stored but never accepted by EventBridge ("yesterday\'s failures")',
    },
    ...sharedOption('vendor', 'events of one vendor'),
    since: { type: 'string', value: 'T' },
    until: {
      type: 'string',
      value: 'T',
      help:
        'received at or after T / before T: an ISO date or instant, today,\n' +
        'yesterday, or a duration ago (24h, 2d)',
    },
    'dry-run': {
      type: 'boolean',
      heading: 'Options:',
      help:
        'show what would change (status, vendorStatus, subject, detailType, …),\n' +
        'write and publish nothing',
    },
    force: { type: 'boolean', help: 'republish published events even when nothing changed' },
    payload: {
      type: 'string',
      value: 'include|omit',
      help:
        'whether published events carry the vendor body (default: as the\n' +
        "processor does: always locally, cdk.json's includePayload for a stack)",
    },
    ...sharedOption('json', 'machine-readable results'),
  },
  notes: NOTES,
  target: true,
  examples: [
    "--unpublished --since yesterday      # yesterday's failures",
    '--vendor treezor --since 2d --dry-run',
    '--event-id treezor:8f3577ec-c126-4e94-a3df-1bdccfb0b89f',
  ],
  async run({ values, vendor }, context) {
    const { out } = context;
    const eventIds = values['event-id'] ?? [];
    const filter = filterOf(values, vendor, context.now());
    if (eventIds.length === 0 && Object.keys(filter).length === 0) {
      throw new UsageError(
        'replay needs a selection: --event-id, --unpublished, --vendor, --since or --until',
      );
    }
    if (eventIds.length > 0 && Object.keys(filter).length > 0) {
      throw new UsageError('--event-id names events exactly; drop the filters, or --event-id');
    }
    const dryRun = values['dry-run'] === true;
    const target = await context.target(values);
    const deps: ReplayDeps = {
      store: DynamoEventStore.create(target.dynamodb, target.tableName),
      history: DynamoEventHistory.create(target.dynamodb, target.tableName),
      ...(!dryRun && {
        publisher: new EventBridgeEventPublisher(target.eventBridge(), target.eventBusName),
      }),
      now: context.now,
      includePayload: payloadSetting(values.payload, target.includePayload),
      leaseMs: REPLAY_LEASE_MS,
    };

    if (eventIds.length === 0) out.note(`Scanning ${target.tableName} in ${target.label}…`);
    const selected = await selectEvents(
      { eventIds, filter },
      deps.history,
      ({ scanned, matched }) => out.progress(`  scanned ${scanned} items, ${matched} selected`),
    );
    out.note(
      `${selected.length} event${selected.length === 1 ? '' : 's'} selected${dryRun ? ' (dry run: nothing is written or published)' : ''}.`,
    );

    const results: ReplayResult[] = [];
    for (const [i, eventId] of selected.entries()) {
      const outcome = await replayEvent(eventId, deps, { dryRun, force: values.force === true });
      results.push(outcome);
      if (!values.json) printResult(out, outcome, `[${i + 1}/${selected.length}]`);
    }

    const counts = new Map<ReplayOutcome, number>();
    for (const r of results) counts.set(r.outcome, (counts.get(r.outcome) ?? 0) + 1);
    const summary = [...counts]
      .map(([outcome, n]) => `${n} ${outcome.replace('_', ' ')}`)
      .join(', ');
    if (values.json) out.json({ dryRun, selected: selected.length, results });
    else out.line(`\n${selected.length} selected${summary ? `: ${summary}` : ''}.`);
    return results.some((r) => FAILED_OUTCOMES.has(r.outcome)) ? EXIT.failed : EXIT.ok;
  },
});

function filterOf(
  values: { since?: string; until?: string; unpublished?: boolean },
  vendor: Vendor | undefined,
  now: Date,
): EventFilter {
  const from = values.since === undefined ? undefined : parseTime(values.since, now, '--since');
  const before = values.until === undefined ? undefined : parseTime(values.until, now, '--until');
  // An empty window selects nothing, which would read as "nothing to replay".
  if (from !== undefined && before !== undefined && !(from < before)) {
    throw new UsageError(`--since (${from}) must be before --until (${before})`);
  }
  return {
    ...(vendor && { vendor: vendor.id }),
    ...(from !== undefined && { receivedFrom: from }),
    ...(before !== undefined && { receivedBefore: before }),
    ...(values.unpublished && { unpublished: true }),
  };
}

function payloadSetting(value: string | undefined, deployed: boolean): boolean {
  if (value === undefined) return deployed;
  if (value === 'include') return true;
  if (value === 'omit') return false;
  throw new UsageError(`--payload must be include or omit, not "${value}"`);
}

const LABELS: Readonly<Record<ReplayOutcome, string>> = {
  published: 'published',
  would_publish: 'would publish',
  unchanged: 'unchanged: already published as it is (--force republishes it)',
  busy: 'skipped: busy',
  missing: 'not in the store',
  not_produced: 'not produced by the current code',
  failed: 'FAILED',
};

function printResult(out: Output, result: ReplayResult, position: string): void {
  const found = result.outcome !== 'missing';
  const state = !found || result.wasPublished ? '' : ' (was never published)';
  const revision = result.revision === undefined ? '' : ` as revision ${result.revision}`;
  const published = result.outcome === 'published' || result.outcome === 'would_publish';
  out.line(
    `${position} ${result.eventId}  ${LABELS[result.outcome]}${published ? revision : ''}${state}`,
  );
  for (const change of result.changes) {
    out.line(`    ${change.field}: ${show(change.before)} → ${show(change.after)}`);
  }
  if (result.subject) {
    const { key, from, to, why } = result.subject;
    const reason =
      why === 'corrected' ? 'this event set its state; corrected' : 'newer than its state; applied';
    out.line(`    subject ${key}: ${from ?? '(none)'} → ${to} (${reason})`);
  }
  for (const note of result.notes) out.line(`    note: ${note}`);
}

function show(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
