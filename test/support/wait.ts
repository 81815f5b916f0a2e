import { readFileSync } from 'node:fs';

/** Polls `probe` until it returns something other than `undefined`/`false`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** An event as the local bus appends it to its JSON-lines file. */
export interface LocalBusEntry {
  readonly Source: string;
  readonly DetailType: string;
  readonly Detail: string;
}

/** Every entry the local bus received, in order. */
export function localBusEntries(eventsFile: string): LocalBusEntry[] {
  return readFileSync(eventsFile, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as LocalBusEntry);
}

/** Detail of every event the local bus received, in order. */
export function publishedDetails(eventsFile: string): { eventId: string; status: string }[] {
  return localBusEntries(eventsFile).map(
    (entry) => JSON.parse(entry.Detail) as { eventId: string; status: string },
  );
}
