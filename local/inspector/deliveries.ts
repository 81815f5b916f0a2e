import { selectDeliveries, type CountedDelivery } from '../../lambdas/core/delivery-log.js';
import { readDeliveryRecords } from '../file-delivery-log.js';

export interface RefusedDeliveries {
  /** Whether local mode's delivery log exists yet. */
  readonly logged: boolean;
  /** Newest first, at most `limit`, each with the attempts its content took. */
  readonly deliveries: readonly CountedDelivery[];
}

/** Since local mode empties its log at start, its window is the whole file. */
const WHOLE_LOG = '0000-01-01T00:00:00.000Z';

/**
 * The refusals and failures in local mode's delivery log, as `deliveries --refused` reads them:
 * a log not written yet, or a last line still being written, is no error.
 */
export async function readRefusedDeliveries(
  file: string,
  limit: number,
  now: Date = new Date(),
): Promise<RefusedDeliveries> {
  const { records, missing } = await readDeliveryRecords(file);
  const deliveries = selectDeliveries(records, {
    since: WHOLE_LOG,
    until: now.toISOString(),
    notAccepted: true,
    limit,
  });
  return { logged: !missing, deliveries };
}
