import { toDeliveredEvent } from '../../local/consumer-rules.js';
import { compilePattern, parsePattern } from '../../local/event-pattern.js';
import { parseObject } from '../../local/format-event.js';
import type { PublishedEvent } from '../../local/put-events-server.js';
import { VENDORS } from '../../lambdas/vendors/registry.js';
import { DynamoEventStore } from '../../lambdas/adapters/dynamo-event-store.js';
import { sourceOf } from '../../lambdas/core/event.js';
import { parseTime } from '../args.js';
import { defineCommand, sharedOption, type CommandContext } from '../command.js';
import { followPublished } from '../follow-published.js';
import { CliError, EXIT, UsageError } from '../errors.js';
import { followLines } from '../follow-lines.js';
import type { Target } from '../target.js';

const USAGE = `Usage: npx kyc-webhooks tail [options]

Follows published events as they are published, one line each: time, source, detail-type,
eventId, subject, status, outOfOrder. Ctrl-C stops it (exit 0).`;

const NOTES = `Local mode: reads the events file of the running npm start (found through its instance file,
like every command), payload included.
A deployed stack (--stack/--outputs): follows the "event published" lines of the processor's
log group (the stack's ProcessorLogGroup output; CloudWatch Logs FilterLogEvents, polled, a few
seconds behind) and reads each event's stored detail from the table, so no resource is created
and no personal data is logged. It shows what the processor publishes, without the payload;
republications by replay are not in that log.`;

/** Sources padded to the longest, so the columns after them line up. */
const SOURCE_WIDTH = Math.max(...VENDORS.map((vendor) => `kyc.${vendor.id}`.length));
const DETAIL_TYPE_WIDTH = 'KYC Verification Updated'.length;

/** One published event, and whether it was published before following began. */
interface Followed {
  readonly event: PublishedEvent;
  /** The event as printed with --json. */
  readonly json: string;
  readonly backlog: boolean;
}

export const tailCommand = defineCommand({
  name: 'tail',
  summary: 'follow published events live (local mode or a stack), with vendor and pattern filters',
  usage: USAGE,
  options: {
    since: {
      type: 'string',
      value: 'T',
      help:
        'first the events already published whose delivery was received at or\n' +
        'after T (an ISO date or instant, today, yesterday, or a duration ago: 30m,\n' +
        '2h); without it, only events published from now on',
    },
    ...sharedOption('vendor', "only this vendor's events (source kyc.V)"),
    pattern: {
      type: 'string',
      value: 'JSON',
      help:
        'only the events an EventBridge rule with this event pattern would receive,\n' +
        `e.g. '{"detail": {"status": ["approved"], "outOfOrder": [false]}}'`,
    },
    ...sharedOption('json', 'each event as a PutEvents entry (JSON), nothing else'),
  },
  notes: NOTES,
  target: true,
  examples: [
    '',
    '--vendor treezor --since 1h',
    '--stack KycWebhooks --pattern \'{"detail-type": ["KYC Verification Updated"]}\'',
  ],
  async run({ values, vendor }, context) {
    const { out } = context;
    const since =
      values.since === undefined ? undefined : parseTime(values.since, context.now(), '--since');
    const source = vendor && sourceOf(vendor.id);
    let matches: ((event: unknown) => boolean) | undefined;
    if (values.pattern !== undefined) {
      try {
        matches = compilePattern(parsePattern(values.pattern));
      } catch (error) {
        throw new UsageError(`--pattern: ${(error as Error).message}`);
      }
    }

    const target = await context.target(values);
    const events =
      target.kind === 'local'
        ? await followLocal(target, since, context)
        : followStack(target, since, context);
    for await (const { event, json, backlog } of events) {
      // Events published from now on are shown whatever their receive time: a replayed event
      // keeps the time its delivery was first received.
      if (backlog && since !== undefined && receivedAt(event) < since) continue;
      if (source !== undefined && event.Source !== source) continue;
      if (matches && !matches(toDeliveredEvent(event))) continue;
      out.line(values.json ? json : formatLine(event));
    }
    return EXIT.ok;
  },
});

/** The running npm start's events file, as it grows. */
async function followLocal(
  target: Target,
  since: string | undefined,
  context: CommandContext,
): Promise<AsyncIterable<Followed>> {
  const { out } = context;
  const file = target.localEventsFile;
  if (file === undefined) throw new CliError('local mode has no events file');
  const lines = await followLines(file, {
    fromStart: since !== undefined,
    signal: context.interruption(),
    onNote: (text) => out.note(text),
  });
  const instance = target.localInstance;
  out.note(
    instance
      ? `Following ${file} (local mode, process ${instance.pid}); Ctrl-C to stop.`
      : `Following ${file}; no local mode is running yet (npm start). Ctrl-C to stop.`,
  );
  return (async function* () {
    let skipped = 0;
    for await (const line of lines) {
      const event = readEvent(line.text);
      if (event === undefined) {
        if (skipped++ === 0) out.note(`Skipping a line of ${file} that is not an event.`);
        continue;
      }
      yield { event, json: line.text, backlog: line.backlog };
    }
  })();
}

/** A deployed stack: the processor's "event published" lines, each read from the table. */
async function* followStack(
  target: Target,
  since: string | undefined,
  context: CommandContext,
): AsyncIterable<Followed> {
  const logGroup = target.processorLogGroup();
  const store = DynamoEventStore.create(target.dynamodb, target.tableName);
  const lines = followPublished(target.cloudWatchLogs(), logGroup, {
    ...(since !== undefined && { since: Date.parse(since) }),
    now: context.now,
    // Once a second by default: well within FilterLogEvents' rate, and Logs is seconds behind.
    pollMs: context.pollMs,
    signal: context.interruption(),
  });
  context.out.note(`Following ${logGroup} of ${target.label}; Ctrl-C to stop.`);
  for await (const line of lines) {
    const stored = await store.getEvent(line.eventId);
    // Expired since (a --since far back): nothing left to show.
    if (!stored) continue;
    const event: PublishedEvent = {
      Source: sourceOf(stored.detail.vendor),
      DetailType: stored.detailType,
      Detail: JSON.stringify(stored.detail),
      EventBusName: target.eventBusName,
      Time: stored.detail.occurredAt,
    };
    yield { event, json: JSON.stringify(event), backlog: line.backlog };
  }
}

/** time, source, detail-type, eventId, subject, status, outOfOrder */
export function formatLine(event: PublishedEvent): string {
  const detail = parseObject(event.Detail);
  const subject = parseObject(detail['subject']);
  return [
    event.Time,
    event.Source.padEnd(SOURCE_WIDTH),
    event.DetailType.padEnd(DETAIL_TYPE_WIDTH),
    text(detail['eventId']),
    `${text(subject['kind'])} ${text(subject['id'])}`,
    text(detail['status']),
    `outOfOrder=${detail['outOfOrder'] === true}`,
  ].join('  ');
}

function readEvent(line: string): PublishedEvent | undefined {
  try {
    const entry = JSON.parse(line) as Partial<PublishedEvent> | null;
    if (
      typeof entry?.Source === 'string' &&
      typeof entry.DetailType === 'string' &&
      typeof entry.Detail === 'string' &&
      typeof entry.Time === 'string'
    ) {
      return entry as PublishedEvent;
    }
  } catch {
    // reported by the caller
  }
  return undefined;
}

/** The delivery's receive time, as replay --since reads it; the event time when absent. */
function receivedAt(event: PublishedEvent): string {
  const value = parseObject(event.Detail)['receivedAt'];
  return typeof value === 'string' ? value : event.Time;
}

function text(value: unknown): string {
  return typeof value === 'string' && value !== '' ? value : '?';
}
