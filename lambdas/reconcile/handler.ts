import { Logger } from '@aws-lambda-powertools/logger';
import { vendorApiDepsFromEnv } from '../enrichment/vendor-api-deps.js';
import { sweep } from './sweep.js';

// Composition root: read the environment once and build clients at cold start.
const logger = new Logger();
const deps = vendorApiDepsFromEnv(logger);

/**
 * The scheduled sweep: every vendor, every open subject. What it asked and learned is logged by
 * outcome and eventId only; a failed ask is retried by the next sweep, not by this invocation.
 */
export const handler = async (): Promise<void> => {
  const report = await sweep({}, deps);
  const counts: Record<string, number> = {};
  for (const entry of report.entries) counts[entry.outcome] = (counts[entry.outcome] ?? 0) + 1;
  logger.info('reconciliation sweep done', { open: report.open, ...counts });
};
