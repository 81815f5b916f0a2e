import { toDeliveredEvent } from '../../local/consumer-rules.js';
import { compilePattern, parsePattern } from '../../local/event-pattern.js';
import { parseObject } from '../../local/format-event.js';
import type { PublishedEvent } from '../../local/put-events-server.js';
import { VENDORS } from '../../lambdas/vendors/registry.js';
import { parseCommandArgs, parseTime, TARGET_OPTIONS } from '../args.js';
import type { Command } from '../command.js';
import { CliError, EXIT, UsageError } from '../errors.js';
import { followLines } from '../follow-lines.js';
import { isLocal } from '../target.js';
import { requireVendor } from './vendor-arg.js';

const OPTIONS = {
  since: { type: 'string' },
  vendor: { type: 'string' },
  pattern: { type: 'string' },
  json: { type: 'boolean' },
  ...TARGET_OPTIONS,
} as const;

const USAGE = `Usage: npx kyc-webhooks tail [options]

Follows the events local mode publishes, as they are published, one line each: time, source,
detail-type, eventId, subject, status, outOfOrder. It reads the events file of the running
npm start (found through its instance file, like every command). Ctrl-C stops it (exit 0).

  --since T        first the events already published whose delivery was received at or
                   after T (an ISO date or instant, today, yesterday, or a duration ago: 30m,
                   2h); without it, only events published from now on
  --vendor V       only this vendor's events (source kyc.V)
  --pattern JSON   only the events an EventBridge rule with this event pattern would receive,
                   e.g. '{"detail": {"status": ["approved"], "outOfOrder": [false]}}'
  --json           each event as its line of the events file (JSON), nothing else

Local mode only, for now: with --stack or --outputs it says what to use instead (exit 2).

Examples:
  npx kyc-webhooks tail
  npx kyc-webhooks tail --vendor treezor --since 1h
  npx kyc-webhooks tail --pattern '{"detail-type": ["KYC Verification Updated"]}' --json`;

/** Sources padded to the longest, so the columns after them line up. */
const SOURCE_WIDTH = Math.max(...VENDORS.map((vendor) => `kyc.${vendor.id}`.length));
const DETAIL_TYPE_WIDTH = 'KYC Verification Updated'.length;

export const tailCommand: Command = {
  name: 'tail',
  summary: 'follow published events live (local mode), with vendor and pattern filters',
  usage: USAGE,
  async run(argv, context) {
    const { out } = context;
    const { values, positionals } = parseCommandArgs(argv, OPTIONS);
    if (positionals.length > 0) {
      throw new UsageError(`tail takes no arguments: ${positionals.join(' ')}`);
    }
    if (!isLocal(values)) throw new CliError(deployedStackMessage(values.stack), EXIT.usage);
    const since =
      values.since === undefined ? undefined : parseTime(values.since, context.now(), '--since');
    const source =
      values.vendor === undefined ? undefined : `kyc.${requireVendor(values.vendor).id}`;
    let matches: ((event: unknown) => boolean) | undefined;
    if (values.pattern !== undefined) {
      try {
        matches = compilePattern(parsePattern(values.pattern));
      } catch (error) {
        throw new UsageError(`--pattern: ${(error as Error).message}`);
      }
    }

    const target = await context.target(values);
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
    let skipped = 0;
    for await (const line of lines) {
      const event = readEvent(line.text);
      if (event === undefined) {
        if (skipped++ === 0) out.note(`Skipping a line of ${file} that is not an event.`);
        continue;
      }
      // Events published from now on are shown whatever their receive time: a replayed event
      // keeps the time its delivery was first received.
      if (line.backlog && since !== undefined && receivedAt(event) < since) continue;
      if (source !== undefined && event.Source !== source) continue;
      if (matches && !matches(toDeliveredEvent(event))) continue;
      out.line(values.json ? line.text : formatLine(event));
    }
    return EXIT.ok;
  },
};

function deployedStackMessage(stack: string | undefined): string {
  return (
    `tail follows local mode only, for now: EventBridge has no API that reads the events on a ` +
    `bus, so this CLI cannot follow ${stack === undefined ? 'a deployed stack' : `stack ${stack}`} ` +
    'without creating resources in it. Instead, add a rule on its bus with a CloudWatch Logs ' +
    'group as its target (README, "Following a deployed stack\'s events"), then follow the ' +
    'group: aws logs tail /aws/events/kyc-webhooks-tail --follow'
  );
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
