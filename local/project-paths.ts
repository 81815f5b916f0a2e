import { dirname, join, resolve } from 'node:path';
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
  /** Read when present; `config/local-rules.example.json` shows the shape. */
  rulesFile: resolve(PROJECT_ROOT, 'config/local-rules.json'),
  fixtures: resolve(PROJECT_ROOT, 'test/fixtures'),
} as const;

/**
 * The file a running `npm start` describes itself in (ports, table, files, pid), so the CLI finds
 * it whatever its ports. It lives beside the events file: a pipeline that would empty another's
 * events file shares its instance file too, and finds it running before touching anything.
 */
export const INSTANCE_FILE_NAME = 'instance.json';

export function instanceFileFor(eventsFile: string): string {
  return join(dirname(eventsFile), INSTANCE_FILE_NAME);
}

/** Environment variables local mode reads (only `main.ts`, `send.ts` and the CLI read them). */
export const LOCAL_ENV = {
  port: 'PORT',
  dynamodbPort: 'KYC_DYNAMODB_PORT',
  dynamodbTable: 'KYC_DYNAMODB_TABLE',
  sqsPort: 'KYC_SQS_PORT',
  eventBridgePort: 'KYC_EVENTBRIDGE_PORT',
  eventsFile: 'KYC_EVENTS_FILE',
  secretsFile: 'KYC_LOCAL_SECRETS',
  rulesFile: 'KYC_LOCAL_RULES',
  /** `1` or `true`: keep refused bodies beside the events file. */
  keepRefusedBodies: 'KYC_KEEP_REFUSED_BODIES',
} as const;

/** Whether `KYC_KEEP_REFUSED_BODIES` switches keeping refused bodies on (`1` or `true`). */
export function keepRefusedBodiesFrom(env: NodeJS.ProcessEnv): boolean {
  return ['1', 'true'].includes((env[LOCAL_ENV.keepRefusedBodies] ?? '').trim().toLowerCase());
}

export const DEFAULT_PORTS = {
  webhooks: 3000,
  // DynamoDB Local's and ElasticMQ's usual ports, so existing tools and habits point right.
  dynamodb: 8000,
  sqs: 9324,
  // The CLI finds whichever port npm start used from its instance file; a fixed default still
  // lets a tool that knows only the defaults reach it.
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

/**
 * The consumer rules file: the one `KYC_LOCAL_RULES` names (`named`: it must exist), else
 * `config/local-rules.json` (loaded only when it exists).
 */
export function rulesFileFrom(env: NodeJS.ProcessEnv): { file: string; named: boolean } {
  const value = env[LOCAL_ENV.rulesFile];
  return value
    ? { file: resolve(value), named: true }
    : { file: DEFAULT_PATHS.rulesFile, named: false };
}
