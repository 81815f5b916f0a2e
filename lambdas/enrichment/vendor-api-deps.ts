import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoEventStore } from '../adapters/dynamo-event-store.js';
import { DynamoOpenSubjects } from '../adapters/dynamo-open-subjects.js';
import { FetchVendorApiClient } from '../adapters/fetch-vendor-api-client.js';
import { HttpsLinkFetcher } from '../adapters/https-link-fetcher.js';
import { S3ResultArchive } from '../adapters/s3-result-archive.js';
import { SecretsManagerSecretSource } from '../adapters/secrets-manager-secret-source.js';
import { SqsEventQueue } from '../adapters/sqs-event-queue.js';
import { ConfigurationError } from '../core/errors.js';
import type { Log } from '../core/ports.js';
import { ENV, numberEnv, requireEnv, RUNTIME_DEFAULTS } from '../runtime/env.js';
import type { EnrichDeps } from './enrich-event.js';
import { LINK_MAX_BYTES, VENDOR_API_TIMEOUT_MS } from './settings.js';

/**
 * What the enrichment and reconciliation functions share, built from their environment at cold
 * start: the vendor secrets, the API client, the link fetcher (no exemption: the deployed worker
 * never fetches inside a network), the event table (read for stored bodies), the results archive,
 * the ingest queue and the open-subjects table. Each function's `handler.ts` calls it once.
 */
export function vendorApiDepsFromEnv(log: Log): EnrichDeps {
  const secretIds: unknown = JSON.parse(requireEnv(ENV.secretIds));
  if (typeof secretIds !== 'object' || secretIds === null) {
    throw new ConfigurationError(`${ENV.secretIds} must be a JSON object of secret ARNs`);
  }
  const keyId = process.env[ENV.resultsKeyId];
  const dynamodb = new DynamoDBClient({});
  return {
    secrets: new SecretsManagerSecretSource(
      new SecretsManagerClient({}),
      secretIds as Record<string, string>,
      numberEnv(ENV.secretMaxAgeSeconds, RUNTIME_DEFAULTS.secretMaxAgeSeconds),
    ),
    api: new FetchVendorApiClient(VENDOR_API_TIMEOUT_MS),
    links: new HttpsLinkFetcher({ maxBytes: LINK_MAX_BYTES, timeoutMs: VENDOR_API_TIMEOUT_MS }),
    events: DynamoEventStore.create(dynamodb, requireEnv(ENV.tableName)),
    archive: new S3ResultArchive(
      new S3Client({}),
      requireEnv(ENV.resultsBucket),
      keyId === undefined || keyId === '' ? undefined : keyId,
    ),
    queue: new SqsEventQueue(new SQSClient({}), requireEnv(ENV.queueUrl)),
    subjects: new DynamoOpenSubjects(
      dynamodb,
      requireEnv(ENV.openSubjectsTable),
      numberEnv(ENV.retentionDays, RUNTIME_DEFAULTS.retentionDays),
    ),
    now: () => new Date(),
    log,
  };
}
