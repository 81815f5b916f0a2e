import { setTimeout as sleep } from 'node:timers/promises';
import {
  FilterLogEventsCommand,
  type CloudWatchLogsClient,
  type FilteredLogEvent,
} from '@aws-sdk/client-cloudwatch-logs';
import { EVENT_PUBLISHED } from '../lambdas/processor/process-batch.js';
import { CliError } from './errors.js';

/**
 * The events a deployed processor publishes, as they are published: its log's "event published"
 * lines (process-batch.ts), which name each eventId and nothing of its content. Read with
 * `FilterLogEvents`, polled: no resource to create in the stack, and nothing but the operator's
 * `logs:FilterLogEvents` on one log group.
 */

/** Powertools writes JSON lines; the filter keeps the published ones only. */
const FILTER = `{ $.message = "${EVENT_PUBLISHED}" }`;

/**
 * CloudWatch Logs may make a line searchable some seconds after its time: each poll looks this
 * far back again, and lines already seen are skipped by their id.
 */
const LATE_MS = 60_000;

export interface PublishedLine {
  readonly eventId: string;
  /** When the processor logged it (epoch ms). */
  readonly timestamp: number;
  /** Logged before following began (`since`). */
  readonly backlog: boolean;
}

export interface FollowOptions {
  /** Lines logged at or after this time first (epoch ms); else only lines from `now` on. */
  readonly since?: number;
  readonly now: () => Date;
  readonly pollMs: number;
  readonly signal: AbortSignal;
}

export async function* followPublished(
  logs: CloudWatchLogsClient,
  logGroupName: string,
  options: FollowOptions,
): AsyncGenerator<PublishedLine> {
  const began = options.now().getTime();
  const floor = options.since ?? began;
  let newest = floor;
  const seen = new Map<string, number>();
  while (!options.signal.aborted) {
    const startTime = Math.max(floor, newest - LATE_MS);
    let lines: FilteredLogEvent[];
    try {
      lines = await read(logs, logGroupName, startTime, options.signal);
    } catch (error) {
      // Ctrl-C during a request ends the follow; anything else is the operator's to see.
      if (options.signal.aborted) return;
      if (error instanceof Error && error.name === 'ResourceNotFoundException') {
        throw new CliError(
          `No log group ${logGroupName} (${error.message}): the processor has not run yet, ` +
            'or --region or the stack is not the one that created it',
        );
      }
      throw error;
    }
    for (const line of lines) {
      const id = line.eventId ?? `${line.logStreamName ?? ''}/${line.timestamp ?? 0}`;
      const timestamp = line.timestamp ?? startTime;
      // Older lines were read by an earlier poll (and may be forgotten since).
      if (seen.has(id) || timestamp < startTime) continue;
      seen.set(id, timestamp);
      newest = Math.max(newest, timestamp);
      const eventId = eventIdOf(line.message);
      if (eventId !== undefined) yield { eventId, timestamp, backlog: timestamp < began };
    }
    for (const [id, timestamp] of seen) if (timestamp < newest - LATE_MS) seen.delete(id);
    try {
      await sleep(options.pollMs, undefined, { signal: options.signal });
    } catch {
      return; // aborted
    }
  }
}

/** Every matching line from `startTime`, oldest first, across the group's streams. */
async function read(
  logs: CloudWatchLogsClient,
  logGroupName: string,
  startTime: number,
  signal: AbortSignal,
): Promise<FilteredLogEvent[]> {
  const lines: FilteredLogEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await logs.send(
      new FilterLogEventsCommand({
        logGroupName,
        startTime,
        filterPattern: FILTER,
        ...(nextToken !== undefined && { nextToken }),
      }),
      { abortSignal: signal },
    );
    lines.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken !== undefined && !signal.aborted);
  return lines.sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0));
}

function eventIdOf(message: string | undefined): string | undefined {
  try {
    const line = JSON.parse(message ?? '') as { eventId?: unknown };
    return typeof line.eventId === 'string' ? line.eventId : undefined;
  } catch {
    return undefined;
  }
}
