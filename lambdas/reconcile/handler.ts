import { createLogger } from '../runtime/lean-log-formatter.js';
import { vendorApiDepsFromEnv } from '../enrichment/vendor-api-deps.js';
import { sweep } from './sweep.js';
import { readSweepRequest, toSweepAnswer, type SweepAnswer } from './sweep-request.js';

// Composition root: read the environment once and build clients at cold start.
const logger = createLogger();
const deps = vendorApiDepsFromEnv(logger);

/**
 * The sweep, scheduled (every vendor, every open subject) or invoked by `npx kyc-webhooks
 * reconcile` with its options. It logs counts by outcome, and answers with the subjects it looked
 * at (ids and outcomes, nothing the vendor said); a failed ask is retried by the next sweep.
 */
export const handler = async (event: unknown): Promise<SweepAnswer> => {
  const answer = toSweepAnswer(await sweep(readSweepRequest(event), deps));
  const counts: Record<string, number> = {};
  for (const line of answer.subjects) counts[line.outcome] = (counts[line.outcome] ?? 0) + 1;
  logger.info('reconciliation sweep done', { open: answer.open, ...counts });
  return answer;
};
