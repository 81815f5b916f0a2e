import { open, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Follows a growing file line by line, as `tail -F` does: complete lines only, from its end or
 * its start, surviving the file being emptied (a new `npm start` empties its events file) or not
 * existing yet. Polls its size: `fs.watch` misses appends on some file systems, and a poll every
 * fraction of a second costs nothing next to the pipeline it watches.
 */

export interface FollowOptions {
  /** Read what the file already holds first (else only what is appended from now on). */
  readonly fromStart: boolean;
  /** Ends the following; the generator then returns. */
  readonly signal: AbortSignal;
  readonly pollMs?: number;
  /** Told when the file is missing or was emptied. */
  readonly onNote?: (text: string) => void;
}

export interface FollowedLine {
  readonly text: string;
  /** The line was in the file when following began. */
  readonly backlog: boolean;
}

const DEFAULT_POLL_MS = 200;
const NEWLINE = 0x0a;
const READ_CHUNK_BYTES = 1 << 20;

/**
 * Resolves once "now" is fixed (the file's size read), so whatever is appended after it is
 * followed; the lines come from the returned generator.
 */
export async function followLines(
  file: string,
  options: FollowOptions,
): Promise<AsyncGenerator<FollowedLine>> {
  return follow(file, options, await sizeOf(file));
}

async function* follow(
  file: string,
  options: FollowOptions,
  initial: number | undefined,
): AsyncGenerator<FollowedLine> {
  const { signal } = options;
  const note = options.onNote ?? (() => undefined);
  let offset = initial === undefined || options.fromStart ? 0 : initial;
  let backlogEnd = options.fromStart ? (initial ?? 0) : 0;
  // Bytes of a line whose end has not been written yet.
  let partial = Buffer.alloc(0);
  let missing = false;
  if (initial === undefined) {
    note(`${file} does not exist yet; waiting for it (is npm start running?)`);
    missing = true;
  }

  while (!signal.aborted) {
    const size = await sizeOf(file);
    if (size === undefined) {
      if (!missing) note(`${file} is gone; waiting for it to come back`);
      missing = true;
      offset = 0;
      partial = Buffer.alloc(0);
    } else {
      if (missing) note(`${file} is there; following it`);
      missing = false;
      if (size < offset) {
        note(`${file} was emptied (local mode restarted); following it from its start`);
        offset = 0;
        backlogEnd = 0;
        partial = Buffer.alloc(0);
      }
      while (offset < size && !signal.aborted) {
        const chunk = await readAt(file, offset, Math.min(size - offset, READ_CHUNK_BYTES));
        if (chunk.length === 0) break;
        let lineStart = offset - partial.length;
        let data = Buffer.concat([partial, chunk]);
        offset += chunk.length;
        for (let end = data.indexOf(NEWLINE); end !== -1; end = data.indexOf(NEWLINE)) {
          const text = data.subarray(0, end).toString('utf8');
          if (text.trim() !== '') yield { text, backlog: lineStart < backlogEnd };
          lineStart += end + 1;
          data = data.subarray(end + 1);
        }
        partial = Buffer.from(data);
      }
    }
    try {
      await sleep(options.pollMs ?? DEFAULT_POLL_MS, undefined, { signal });
    } catch {
      return; // aborted
    }
  }
}

async function sizeOf(file: string): Promise<number | undefined> {
  try {
    return (await stat(file)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function readAt(file: string, position: number, length: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, position);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
