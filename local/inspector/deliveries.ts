import { readFile } from 'node:fs/promises';
import {
  countAttempts,
  parseDeliveryRecord,
  type DeliveryRecord,
} from '../../lambdas/core/delivery-log.js';

/** A refused (or failed) delivery, with how many attempts carried the same content. */
export interface RefusedDelivery extends DeliveryRecord {
  readonly attempts: number;
}

export interface RefusedDeliveries {
  /** Whether local mode's delivery log exists yet. */
  readonly logged: boolean;
  /** Newest first, at most `limit`. */
  readonly deliveries: readonly RefusedDelivery[];
}

/**
 * The refusals and failures in local mode's delivery log. Tolerates the file not existing yet
 * and a last line still being written (or any line that is not a record): those are skipped.
 */
export async function readRefusedDeliveries(
  file: string,
  limit: number,
): Promise<RefusedDeliveries> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      return { logged: false, deliveries: [] };
    throw error;
  }
  const records = text
    .split('\n')
    .map(parseDeliveryRecord)
    .filter((record): record is DeliveryRecord => record !== undefined);
  const attempts = countAttempts(records);
  const deliveries = records
    .filter((record) => record.result !== 'accepted')
    .slice(-limit)
    .reverse()
    .map((record) => ({ ...record, attempts: attempts.get(record.contentHash) ?? 1 }));
  return { logged: true, deliveries };
}
