import { resolve } from 'node:path';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { LOCAL_REGION } from '../local/clients.js';
import { RUNTIME_DEFAULTS } from '../lambdas/runtime/env.js';
import {
  decodeSettings,
  OUTPUTS,
  secretOutputName,
  STACK_NAME,
  type StackSettings,
} from '../lib/outputs.js';
import { readInstanceFile, type LocalInstance } from '../local/instance-file.js';
import {
  DEFAULT_PATHS,
  DEFAULT_PORTS,
  eventsFileFrom,
  instanceFileFor,
  LOCAL_ENV,
} from '../local/project-paths.js';
import { LOCAL_NAMES } from '../local/resources.js';
import { loopbackUrl } from '../local/servers.js';
import { CliError, UsageError } from './errors.js';
import {
  CloudFormationOutputSource,
  OutputsFileSource,
  type StackOutputSource,
} from './stack-outputs.js';

/** The parsed `TARGET_OPTIONS` (args.ts). */
export interface TargetArgs {
  readonly local?: boolean;
  readonly stack?: string;
  readonly outputs?: string;
  readonly profile?: string;
  readonly region?: string;
}

export interface QueueRef {
  readonly url: string;
  readonly arn: string;
}

/** Where the pipeline is, with clients for it; built once per command. */
export interface Target {
  readonly kind: 'local' | 'stack';
  /** For messages: `local mode` or `stack KycWebhooks`. */
  readonly label: string;
  readonly tableName: string;
  readonly eventBusName: string;
  /** The webhook API's base URL, without a trailing slash. */
  readonly apiUrl: string;
  readonly dynamodb: DynamoDBClient;
  readonly sqs: SQSClient;
  /** Where DynamoDB and SQS answer, for messages: endpoints locally, the region on AWS. */
  readonly where: { readonly dynamodb: string; readonly sqs: string; readonly eventBridge: string };
  /** Throws with what to do when EventBridge cannot be reached from here. */
  eventBridge(): EventBridgeClient;
  secretsManager(): SecretsManagerClient;
  deadLetterQueue(): Promise<QueueRef>;
  /** Where the delivery log is read (deployed stacks only). */
  cloudWatchLogs(): CloudWatchLogsClient;
  /** The ingest functions' log groups, which hold the delivery log (deployed stacks only). */
  ingestLogGroups(): readonly string[];
  /** The processor's log group, whose "event published" lines `tail` follows (stacks only). */
  processorLogGroup(): string;
  /** The reconciliation sweep's function, and a client to invoke it (deployed stacks only). */
  reconcileFunction(): { readonly name: string; readonly lambda: LambdaClient };
  /** The secret a vendor's ingest function reads (deployed stacks only). */
  secretId(vendorId: string): string | undefined;
  /**
   * Whether the processor publishes the vendor's body (the `includePayload` setting): a stack's
   * as its `Settings` output says; reading it throws when the stack predates that output.
   */
  readonly includePayload: boolean;
  /**
   * Whether the table has the legacy `bySubject` index: a stack's as its `Settings` output says
   * (one deployed before that output has it); never in local mode, whose table is new.
   */
  readonly legacySubjectIndex: boolean;
  /** The local development secrets file (local mode only). */
  readonly localSecretsFile?: string;
  /** The file local mode appends each published event to (local mode only). */
  readonly localEventsFile?: string;
  /** The running `npm start`, when its instance file was found (local mode only). */
  readonly localInstance?: LocalInstance;
  destroy(): void;
}

/**
 * Explicit, so no AWS profile or credential chain is consulted in local mode: it must work on a
 * machine that has never seen AWS, and never reach a real account.
 */
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

/** Whether a command targets local mode (no `--stack`, no `--outputs`). */
export function isLocal(args: TargetArgs): boolean {
  return args.stack === undefined && args.outputs === undefined;
}

export async function resolveTarget(
  args: TargetArgs,
  env: Readonly<Record<string, string | undefined>>,
  note: (text: string) => void = () => undefined,
): Promise<Target> {
  if (args.local && !isLocal(args)) {
    throw new UsageError('--local cannot be combined with --stack or --outputs');
  }
  if (isLocal(args)) return localTarget(env, await findLocalInstance(env, note));
  return stackTarget(args);
}

/**
 * The running `npm start` described by its instance file (beside the events file: `.local/`, or
 * `KYC_EVENTS_FILE`'s folder), when there is one. A file whose process is gone is ignored, with
 * a note: the defaults and the environment then say where local mode is.
 */
async function findLocalInstance(
  env: Readonly<Record<string, string | undefined>>,
  note: (text: string) => void,
): Promise<{ instance?: LocalInstance; file: string }> {
  const file = instanceFileFor(eventsFileFrom(env));
  const lookup = await readInstanceFile(file);
  if (lookup.state === 'live') return { instance: lookup.instance, file };
  if (lookup.state === 'stale') {
    note(`Ignoring ${file}: ${lookup.why}; using the default ports and any the environment sets.`);
  }
  return { file };
}

/**
 * Local mode's endpoints: each from its environment variable when set, else from the running
 * instance's file, else the default `npm start` uses.
 */
function localTarget(
  env: Readonly<Record<string, string | undefined>>,
  { instance, file: instanceFile }: { instance?: LocalInstance; file: string },
): Target {
  const fromInstance = (url: string | undefined): number | undefined =>
    url === undefined ? undefined : Number(new URL(url).port);
  // `0` told npm start to pick any free port: only its instance file knows which.
  const unknownPort = (name: string): string =>
    `${name}=0 says npm start chose a free port, which only its instance file knows: unset ` +
    `${name} for this command, and it reads the port from ${instanceFile}`;
  const port = (name: string, fallback: number): number | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0 || value > 65_535) {
      throw new UsageError(`${name} must be a port number, got "${raw}"`);
    }
    return value === 0 ? undefined : value;
  };
  const required = (name: string, fallback: number): number => {
    const value = port(name, fallback);
    if (value === undefined) throw new CliError(unknownPort(name));
    return value;
  };
  const { urls } = instance ?? {};
  const dynamodbUrl = loopbackUrl(
    required(LOCAL_ENV.dynamodbPort, fromInstance(urls?.dynamodb) ?? DEFAULT_PORTS.dynamodb),
  );
  const sqsUrl = loopbackUrl(
    required(LOCAL_ENV.sqsPort, fromInstance(urls?.sqs) ?? DEFAULT_PORTS.sqs),
  );
  const eventBridgePort = port(
    LOCAL_ENV.eventBridgePort,
    fromInstance(urls?.eventBridge) ?? DEFAULT_PORTS.eventBridge,
  );
  const eventBridgeUrl = eventBridgePort === undefined ? undefined : loopbackUrl(eventBridgePort);
  const webhookPort = required(
    LOCAL_ENV.port,
    fromInstance(urls?.server) ?? DEFAULT_PORTS.webhooks,
  );
  const secretsEnv = env[LOCAL_ENV.secretsFile];
  const secretsFile = secretsEnv
    ? resolve(secretsEnv)
    : (instance?.secretsFile ?? DEFAULT_PATHS.secretsFile);

  // One attempt: a local engine that does not answer is not running, and retrying only delays
  // the message that says so.
  const common = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 };
  const dynamodb = new DynamoDBClient({ ...common, endpoint: dynamodbUrl });
  const sqs = new SQSClient({ ...common, endpoint: sqsUrl });
  let eventBridge: EventBridgeClient | undefined;
  return {
    kind: 'local',
    label: 'local mode',
    tableName: env[LOCAL_ENV.dynamodbTable] || instance?.tableName || LOCAL_NAMES.table,
    eventBusName: LOCAL_NAMES.eventBus,
    apiUrl: `http://localhost:${webhookPort}`,
    dynamodb,
    sqs,
    where: { dynamodb: dynamodbUrl, sqs: sqsUrl, eventBridge: eventBridgeUrl ?? 'a random port' },
    eventBridge() {
      if (eventBridgeUrl === undefined) {
        throw new CliError(`${unknownPort(LOCAL_ENV.eventBridgePort)} (or use --dry-run).`);
      }
      eventBridge ??= new EventBridgeClient({ ...common, endpoint: eventBridgeUrl });
      return eventBridge;
    },
    secretsManager() {
      throw new CliError(
        `Local mode has no Secrets Manager: it reads ${secretsFile} (or the file ` +
          `${LOCAL_ENV.secretsFile} names). Edit that file, or pass --stack or --secret-id.`,
      );
    },
    async deadLetterQueue() {
      return queueByName(sqs, LOCAL_NAMES.deadLetterQueue);
    },
    cloudWatchLogs() {
      throw new CliError('Local mode has no CloudWatch Logs: its delivery log is a file.');
    },
    ingestLogGroups: () => [],
    processorLogGroup() {
      throw new CliError('Local mode has no processor log group: tail reads its events file.');
    },
    reconcileFunction() {
      throw new CliError('Local mode has no sweep function: reconcile asks npm start instead.');
    },
    secretId: () => undefined,
    // `npm start` runs the processor with the default setting.
    includePayload: RUNTIME_DEFAULTS.includePayload,
    legacySubjectIndex: false,
    localSecretsFile: secretsFile,
    localEventsFile: env[LOCAL_ENV.eventsFile]
      ? eventsFileFrom(env)
      : (instance?.eventsFile ?? DEFAULT_PATHS.eventsFile),
    ...(instance && { localInstance: instance }),
    destroy() {
      dynamodb.destroy();
      sqs.destroy();
      eventBridge?.destroy();
    },
  };
}

async function stackTarget(args: TargetArgs): Promise<Target> {
  const file =
    args.outputs === undefined ? undefined : new OutputsFileSource(resolve(args.outputs));
  const stackName = args.stack ?? (await file?.onlyStack()) ?? STACK_NAME;
  const source: StackOutputSource =
    file ??
    new CloudFormationOutputSource({
      ...(args.region !== undefined && { region: args.region }),
      ...(args.profile !== undefined && { profile: args.profile }),
    });
  const outputs = await source.read(stackName);
  const output = (key: string): string => {
    const value = outputs[key];
    if (value === undefined) {
      throw new CliError(
        `Stack ${stackName} has no output ${key} (read from ${source.description}); ` +
          'deploy the current version of the stack, or check --stack',
      );
    }
    return value;
  };
  const settings = (): StackSettings => {
    const text = output(OUTPUTS.settings);
    try {
      return decodeSettings(text);
    } catch (error) {
      throw new CliError(
        `Stack ${stackName}: ${(error as Error).message} (read from ${source.description}); ` +
          'deploy the current version of the stack',
      );
    }
  };
  const deadLetterQueue = {
    url: output(OUTPUTS.deadLetterQueueUrl),
    arn: output(OUTPUTS.deadLetterQueueArn),
  };
  // An outputs file does not say where the stack is; its ARNs do.
  const region = args.region ?? deadLetterQueue.arn.split(':')[3];
  const config = {
    ...(region !== undefined && region !== '' && { region }),
    ...(args.profile !== undefined && { profile: args.profile }),
  };
  const dynamodb = new DynamoDBClient(config);
  const sqs = new SQSClient(config);
  let eventBridge: EventBridgeClient | undefined;
  let secretsManager: SecretsManagerClient | undefined;
  let cloudWatchLogs: CloudWatchLogsClient | undefined;
  let lambda: LambdaClient | undefined;
  const where = `region ${region ?? '(from the AWS configuration)'}`;
  return {
    kind: 'stack',
    label: `stack ${stackName}`,
    tableName: output(OUTPUTS.tableName),
    eventBusName: output(OUTPUTS.eventBusName),
    apiUrl: output(OUTPUTS.apiUrl).replace(/\/+$/, ''),
    dynamodb,
    sqs,
    where: { dynamodb: where, sqs: where, eventBridge: where },
    eventBridge() {
      eventBridge ??= new EventBridgeClient(config);
      return eventBridge;
    },
    secretsManager() {
      secretsManager ??= new SecretsManagerClient(config);
      return secretsManager;
    },
    deadLetterQueue: async () => deadLetterQueue,
    cloudWatchLogs() {
      cloudWatchLogs ??= new CloudWatchLogsClient(config);
      return cloudWatchLogs;
    },
    ingestLogGroups: () => output(OUTPUTS.ingestLogGroups).split(',').filter(Boolean),
    processorLogGroup: () => output(OUTPUTS.processorLogGroup),
    reconcileFunction() {
      lambda ??= new LambdaClient(config);
      return { name: output(OUTPUTS.reconcileFunction), lambda };
    },
    secretId: (vendorId) => outputs[secretOutputName(vendorId)],
    // Read when a command needs it, so commands that do not (history, redrive) still work
    // against a stack deployed before the output existed.
    get includePayload() {
      return settings().includePayload;
    },
    // A stack from before the Settings output is from before this setting: it has the index.
    get legacySubjectIndex() {
      return outputs[OUTPUTS.settings] === undefined || settings().legacySubjectIndex;
    },
    destroy() {
      dynamodb.destroy();
      sqs.destroy();
      eventBridge?.destroy();
      secretsManager?.destroy();
      cloudWatchLogs?.destroy();
      lambda?.destroy();
    },
  };
}

async function queueByName(sqs: SQSClient, name: string): Promise<QueueRef> {
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
  if (QueueUrl === undefined) throw new CliError(`SQS returned no URL for queue ${name}`);
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  const arn = Attributes?.QueueArn;
  if (arn === undefined) throw new CliError(`SQS returned no ARN for queue ${name}`);
  return { url: QueueUrl, arn };
}
