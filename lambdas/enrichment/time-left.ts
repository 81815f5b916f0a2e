import { KycError } from '../core/errors.js';
import { RECORD_BUDGET_MS } from './settings.js';

/** The invocation's remaining time in milliseconds: Lambda's `getRemainingTimeInMillis`. */
export type RemainingTime = () => number;

/** The reason code logged for a record, or a link, not started for want of time. */
export const NO_TIME_LEFT = 'no_time_left';

/**
 * Too little of the invocation is left to start a record, or another link of one, and still end
 * inside the function's timeout: the record is reported failed (nothing of it queued), so SQS
 * retries it rather than Lambda killing the whole batch.
 */
export class NoTimeLeftError extends KycError {
  constructor() {
    super(NO_TIME_LEFT, 'too little of the invocation left; will retry');
  }
}

/** Whether a record, or one more link of it, may still start (see `RECORD_BUDGET_MS`). */
export function hasTimeLeft(remainingMs: RemainingTime): boolean {
  return remainingMs() >= RECORD_BUDGET_MS;
}
