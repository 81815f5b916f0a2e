import { Logger } from '@aws-lambda-powertools/logger';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SecretsManagerSecretSource } from '../adapters/secrets-manager-secret-source.js';
import { SqsEventQueue } from '../adapters/sqs-event-queue.js';
import { ENV, numberEnv, requireEnv } from '../runtime/env.js';
import { createIngestHandler } from './ingest-handler.js';

// Composition root: read the environment once and build clients at cold start.
const vendorId = requireEnv(ENV.vendor);
const secrets = new SecretsManagerSecretSource(
  new SecretsManagerClient({}),
  { [vendorId]: requireEnv(ENV.secretId) },
  numberEnv(ENV.secretMaxAgeSeconds, 300),
);
const queue = new SqsEventQueue(new SQSClient({}), requireEnv(ENV.queueUrl));

export const handler = createIngestHandler({ vendorId, secrets, queue, log: new Logger() });
