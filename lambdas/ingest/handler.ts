import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { SecretsManagerSecretSource } from '../adapters/secrets-manager-secret-source.js';
import { SqsEventQueue } from '../adapters/sqs-event-queue.js';
import type { RefusedBodyStore } from '../core/delivery-log.js';
import { ConfigurationError } from '../core/errors.js';
import { ENV, numberEnv, requireEnv, RUNTIME_DEFAULTS } from '../runtime/env.js';
import { observeInvocations, PowertoolsMetricRecorder } from '../runtime/observability.js';
import { findVendor } from '../vendors/registry.js';
import { createIngestHandler } from './ingest-handler.js';

// Composition root: read the environment once and build clients at cold start.
const vendorId = requireEnv(ENV.vendor);
// The bundle holds one vendor (lib/function-bundles.ts): named another, the function would answer
// every delivery 404, so it refuses to start instead.
if (!findVendor(vendorId)) {
  throw new ConfigurationError(
    `${ENV.vendor} names "${vendorId}", a vendor this bundle does not hold`,
  );
}
const secrets = new SecretsManagerSecretSource(
  new SecretsManagerClient({}),
  { [vendorId]: requireEnv(ENV.secretId) },
  numberEnv(ENV.secretMaxAgeSeconds, RUNTIME_DEFAULTS.secretMaxAgeSeconds),
);
const queue = new SqsEventQueue(new SQSClient({}), requireEnv(ENV.queueUrl));
const logger = new Logger();
const metrics = new PowertoolsMetricRecorder(new Metrics());
// Set only when the stack keeps refused bodies; the S3 client is loaded only then, so the
// default bundle's cold start does not pay for it.
const refusedBodiesBucket = process.env[ENV.refusedBodiesBucket];
const refusedBodies = refusedBodiesBucket
  ? await loadRefusedBodyStore(refusedBodiesBucket)
  : undefined;

export const handler = observeInvocations(
  createIngestHandler({
    vendorId,
    secrets,
    queue,
    log: logger,
    metrics,
    ...(refusedBodies && { refusedBodies }),
  }),
  {
    logger,
    metrics,
    // API Gateway's request id: also in the access log and in the queued message.
    correlationId: (event: APIGatewayProxyEventV2) => event.requestContext.requestId,
  },
);

async function loadRefusedBodyStore(bucket: string): Promise<RefusedBodyStore> {
  const [{ S3Client }, { S3RefusedBodyStore }] = await Promise.all([
    import('@aws-sdk/client-s3'),
    import('../adapters/s3-refused-body-store.js'),
  ]);
  return new S3RefusedBodyStore(new S3Client({}), bucket);
}
