import { Logger } from '@aws-lambda-powertools/logger';
import { createEnrichmentHandler } from './enrichment-handler.js';
import { vendorApiDepsFromEnv } from './vendor-api-deps.js';

// Composition root: read the environment once and build clients at cold start.
export const handler = createEnrichmentHandler(vendorApiDepsFromEnv(new Logger()));
