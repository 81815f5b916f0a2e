import { createLogger } from '../runtime/lean-log-formatter.js';
import { createEnrichmentHandler } from './enrichment-handler.js';
import { vendorApiDepsFromEnv } from './vendor-api-deps.js';

// Composition root: read the environment once and build clients at cold start.
export const handler = createEnrichmentHandler(vendorApiDepsFromEnv(createLogger()));
