import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  LOCAL_DELIVERIES_FILE_NAME,
  parseDeliveryRecord,
  refusedBodyKey,
  type DeliveryLog,
  type DeliveryRecord,
  type RefusedBody,
  type RefusedBodyStore,
} from '../lambdas/core/delivery-log.js';

/** Local mode's delivery log: `deliveries.jsonl` beside the events file. */
export function deliveriesFileFor(eventsFile: string): string {
  return join(dirname(eventsFile), LOCAL_DELIVERIES_FILE_NAME);
}

/** Where local mode keeps refused bodies when asked to: a folder beside the events file. */
export function refusedBodiesDirFor(eventsFile: string): string {
  return join(dirname(eventsFile), 'refused-bodies');
}

/** One JSON `DeliveryRecord` per line, appended in one write so readers never see half a line. */
export class FileDeliveryLog implements DeliveryLog {
  constructor(private readonly file: string) {}

  /** Empties the file: a new run's engines start empty, and so does its delivery log. */
  async reset(): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true });
    await writeFile(this.file, '');
  }

  async record(record: DeliveryRecord): Promise<void> {
    await appendFile(this.file, `${JSON.stringify(record)}\n`, 'utf8');
  }
}

/** Refused bodies as files, under `<vendor>/<day>/`; never read by the pipeline, never published. */
export class FileRefusedBodyStore implements RefusedBodyStore {
  constructor(private readonly dir: string) {}

  async keep(body: RefusedBody): Promise<string> {
    const file = join(this.dir, refusedBodyKey(body));
    await mkdir(dirname(file), { recursive: true });
    // Owner-only: a refused body may still carry personal data.
    await writeFile(file, body.bytes, { mode: 0o600 });
    return file;
  }
}

/** Every record of a delivery log file, and how many lines were not records. */
export async function readDeliveryRecords(
  file: string,
): Promise<{ records: DeliveryRecord[]; skipped: number; missing: boolean }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return { records: [], skipped: 0, missing: true };
    }
    throw error;
  }
  const records: DeliveryRecord[] = [];
  let skipped = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const record = parseDeliveryRecord(line);
    if (record) records.push(record);
    else skipped++;
  }
  return { records, skipped, missing: false };
}
