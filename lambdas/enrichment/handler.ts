import { Logger } from '@aws-lambda-powertools/logger';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { FetchVendorApiClient } from '../adapters/fetch-vendor-api-client.js';
import { S3ResultArchive } from '../adapters/s3-result-archive.js';
import { SecretsManagerSecretSource } from '../adapters/secrets-manager-secret-source.js';
import { SqsEventQueue } from '../adapters/sqs-event-queue.js';
import { ConfigurationError } from '../core/errors.js';
import { ENV, numberEnv, requireEnv, RUNTIME_DEFAULTS } from '../runtime/env.js';
import { createEnrichmentHandler } from './enrichment-handler.js';
import { VENDOR_API_TIMEOUT_MS } from './settings.js';

// Composition root: read the environment once and build clients at cold start.
const secretIds: unknown = JSON.parse(requireEnv(ENV.secretIds));
if (typeof secretIds !== 'object' || secretIds === null) {
  throw new ConfigurationError(`${ENV.secretIds} must be a JSON object of secret ARNs`);
}
const keyId = process.env[ENV.resultsKeyId];

export const handler = createEnrichmentHandler({
  secrets: new SecretsManagerSecretSource(
    new SecretsManagerClient({}),
    secretIds as Record<string, string>,
    numberEnv(ENV.secretMaxAgeSeconds, RUNTIME_DEFAULTS.secretMaxAgeSeconds),
  ),
  api: new FetchVendorApiClient(VENDOR_API_TIMEOUT_MS),
  archive: new S3ResultArchive(
    new S3Client({}),
    requireEnv(ENV.resultsBucket),
    keyId === undefined || keyId === '' ? undefined : keyId,
  ),
  queue: new SqsEventQueue(new SQSClient({}), requireEnv(ENV.queueUrl)),
  now: () => new Date(),
  log: new Logger(),
});
