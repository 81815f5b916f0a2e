import type { ServerResponse } from 'node:http';
import { followLines } from '../../cli/follow-lines.js';
import { SECURITY_HEADERS } from './guard.js';

/** How often the file's size is read: an event reaches the page within this of its publication. */
const FOLLOW_POLL_MS = 100;

/**
 * The live stream of published events as server-sent events: every line of the events file
 * from its start, then each line the bus appends, as `tail` follows it (cli/follow-lines.ts).
 * One `data:` message per event, its line re-serialized so it is one line whatever the file
 * held; a line that is not JSON is skipped. Ends when `signal` aborts (the page went away, or
 * the server stops).
 */
export async function streamEvents(
  eventsFile: string,
  response: ServerResponse,
  signal: AbortSignal,
): Promise<void> {
  const lines = await followLines(eventsFile, { fromStart: true, signal, pollMs: FOLLOW_POLL_MS });
  response.writeHead(200, {
    ...SECURITY_HEADERS,
    'content-type': 'text/event-stream; charset=utf-8',
  });
  // A page whose stream broke (a restart of npm start) reconnects after this many milliseconds.
  response.write('retry: 1000\n\n');
  for await (const line of lines) {
    let event: unknown;
    try {
      event = JSON.parse(line.text);
    } catch {
      continue;
    }
    response.write(`data: ${JSON.stringify(event)}\n\n`);
  }
  response.end();
}
