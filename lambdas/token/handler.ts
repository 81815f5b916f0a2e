import { Metrics } from '@aws-lambda-powertools/metrics';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { SecretsManagerSecretSource } from '../adapters/secrets-manager-secret-source.js';
import { ENV, numberEnv, requireEnv, RUNTIME_DEFAULTS } from '../runtime/env.js';
import { createLogger } from '../runtime/lean-log-formatter.js';
import { observeInvocations, PowertoolsMetricRecorder } from '../runtime/observability.js';
import { ONDATO_VENDOR_ID } from '../vendors/ondato.js';
import { DEFAULT_TOKEN_TTL_SECONDS, readTokenTtl } from './issue-token.js';
import { createTokenHandler } from './token-handler.js';

// Composition root: read the environment once and build clients at cold start. The function
// reads the Ondato secret only: the same one the Ondato ingest function verifies tokens with.
const secrets = new SecretsManagerSecretSource(
  new SecretsManagerClient({}),
  { [ONDATO_VENDOR_ID]: requireEnv(ENV.secretId) },
  numberEnv(ENV.secretMaxAgeSeconds, RUNTIME_DEFAULTS.secretMaxAgeSeconds),
);
const ttlSeconds = readTokenTtl(numberEnv(ENV.tokenTtlSeconds, DEFAULT_TOKEN_TTL_SECONDS));
const logger = createLogger();
const metrics = new PowertoolsMetricRecorder(new Metrics());

export const handler = observeInvocations(
  createTokenHandler({ secrets, ttlSeconds, log: logger, metrics }),
  {
    logger,
    metrics,
    correlationId: (event: APIGatewayProxyEventV2) => event.requestContext.requestId,
  },
);
