import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { SecretsManagerSecretSource } from '../adapters/secrets-manager-secret-source.js';
import { SqsEventQueue } from '../adapters/sqs-event-queue.js';
import { ConfigurationError } from '../core/errors.js';
import { ENV, numberEnv, requireEnv, RUNTIME_DEFAULTS } from '../runtime/env.js';
import { createLogger } from '../runtime/lean-log-formatter.js';
import { observeInvocations } from '../runtime/observability.js';
import { findVendor } from '../vendors/registry.js';
import { createIngestHandler } from './ingest-handler.js';

/** Defined by the build (`REFUSED_BODIES_BUILD_CONSTANT`); undefined outside a bundle. */
declare const KYC_KEEPS_REFUSED_BODIES: boolean | undefined;

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
const logger = createLogger();
// Set only when the stack keeps refused bodies. A function built for that (the build defines
// KYC_KEEPS_REFUSED_BODIES, lib/function-bundles.ts) loads the S3 client; any other bundle leaves
// it out, as esbuild drops the `import()` behind a constant false, so its cold start does not
// pay for it.
const refusedBodiesBucket = process.env[ENV.refusedBodiesBucket];
if (refusedBodiesBucket && KYC_KEEPS_REFUSED_BODIES === false) {
  throw new ConfigurationError(
    `${ENV.refusedBodiesBucket} is set, but this bundle was built without the refused-body store`,
  );
}
const refusedBodies =
  (typeof KYC_KEEPS_REFUSED_BODIES === 'undefined' || KYC_KEEPS_REFUSED_BODIES) &&
  refusedBodiesBucket
    ? new (await import('../adapters/s3-refused-body-store.js')).S3RefusedBodyStore(
        new (await import('@aws-sdk/client-s3')).S3Client({}),
        refusedBodiesBucket,
      )
    : undefined;

export const handler = observeInvocations(
  createIngestHandler({
    vendorId,
    secrets,
    queue,
    log: logger,
    ...(refusedBodies && { refusedBodies }),
  }),
  {
    // No `metrics`: this function writes no metric line; its log group's metric filters count
    // the delivery line instead (lambdas/runtime/delivery-metrics.ts).
    logger,
    // API Gateway's request id: also in the access log and in the queued message.
    correlationId: (event: APIGatewayProxyEventV2) => event.requestContext.requestId,
  },
);
