import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Default files are found from the project root, not the working directory, so `npm start`
 * and the tests find them wherever they are run from. Paths given by the user through the
 * environment or the command line are taken relative to the working directory, as usual.
 */
export const PROJECT_ROOT = fileURLToPath(new URL('../', import.meta.url));

export const DEFAULT_PATHS = {
  secretsFile: resolve(PROJECT_ROOT, 'config/local-secrets.json'),
  eventsFile: resolve(PROJECT_ROOT, '.local/events.jsonl'),
  fixtures: resolve(PROJECT_ROOT, 'test/fixtures'),
} as const;

/** Environment variables local mode reads (only `main.ts` and `send.ts` read them). */
export const LOCAL_ENV = {
  port: 'PORT',
  dynamodbPort: 'KYC_DYNAMODB_PORT',
  dynamodbTable: 'KYC_DYNAMODB_TABLE',
  sqsPort: 'KYC_SQS_PORT',
  eventBridgePort: 'KYC_EVENTBRIDGE_PORT',
  eventsFile: 'KYC_EVENTS_FILE',
  secretsFile: 'KYC_LOCAL_SECRETS',
} as const;

export const DEFAULT_PORTS = {
  webhooks: 3000,
  // DynamoDB Local's and ElasticMQ's usual ports, so existing tools and habits point right.
  dynamodb: 8000,
  sqs: 9324,
  // Fixed so the operator CLI (`kyc-webhooks replay`) can publish to it too.
  eventBridge: 4010,
} as const;

/** The secrets file: `KYC_LOCAL_SECRETS` when set, else `config/local-secrets.json`. */
export function secretsFileFrom(env: NodeJS.ProcessEnv): string {
  const value = env[LOCAL_ENV.secretsFile];
  return value ? resolve(value) : DEFAULT_PATHS.secretsFile;
}

/** The events file: `KYC_EVENTS_FILE` when set, else `.local/events.jsonl`. */
export function eventsFileFrom(env: NodeJS.ProcessEnv): string {
  const value = env[LOCAL_ENV.eventsFile];
  return value ? resolve(value) : DEFAULT_PATHS.eventsFile;
}
