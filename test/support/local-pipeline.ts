import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, inject } from 'vitest';
import { DynamoEventStore } from '../../lambdas/adapters/dynamo-event-store.js';
import { createLocalClients, type LocalClients } from '../../local/clients.js';
import { startEngines, type Engines } from '../../local/engines.js';
import {
  startLocalPipeline,
  type LocalPipeline,
  type LocalPipelineOptions,
} from '../../local/pipeline.js';
import { createTable } from '../../local/resources.js';
import { SECRETS_FILE } from './credentials.js';

/**
 * The whole local pipeline for a test file: the run's DynamoDB Local (test/support/
 * dynamodb-local.global.ts) with a table of its own, free ports, a temp events file, nothing
 * printed.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export { SECRETS_FILE };

/** Any credentials do for the local engines; stated so no AWS profile is consulted. */
export const LOCAL_CLIENT = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
} as const;

export interface TestPipeline {
  readonly pipeline: LocalPipeline;
  /** SDK clients of the pipeline's engines, destroyed by `stop`. */
  readonly clients: LocalClients;
  /** A temp folder of the test's own, removed by `stop`. */
  readonly dir: string;
  stop(): Promise<void>;
}

/** Closes the clients, then stops what they talk to, then removes the test's temp folder. */
async function shutDown(
  clients: LocalClients,
  running: { stop(): Promise<void> },
  dir: string,
): Promise<void> {
  clients.destroy();
  await running.stop();
  rmSync(dir, { recursive: true, force: true });
}

/** The run's DynamoDB Local, shared by every test file. */
export function dynamodbEndpoint(): string {
  return inject('dynamodbEndpoint');
}

/** A table name no other test of the run uses: test files share one DynamoDB Local. */
export function uniqueTableName(prefix: string): string {
  return `${prefix}-${randomUUID()}`;
}

/** A test pipeline's options: free ports, a fresh table, events in `dir`, nothing printed. */
export function testPipelineOptions(
  dir: string,
  options: Partial<LocalPipelineOptions> = {},
): LocalPipelineOptions {
  return {
    port: 0,
    dynamodbEndpoint: dynamodbEndpoint(),
    tableName: uniqueTableName('kyc-test'),
    sqsPort: 0,
    eventBridgePort: 0,
    eventsFile: join(dir, 'events.jsonl'),
    secretsFile: SECRETS_FILE,
    printEvent: false,
    logLevel: 'SILENT',
    // Short polls keep each test's round trip to tens of milliseconds.
    pollWaitSeconds: 0,
    ...options,
  };
}

export async function startTestPipeline(
  options: Partial<LocalPipelineOptions> = {},
): Promise<TestPipeline> {
  const dir = mkdtempSync(join(tmpdir(), 'kyc-test-'));
  const pipeline = await startLocalPipeline(testPipelineOptions(dir, options));
  const clients = createLocalClients(pipeline.urls);
  return { pipeline, clients, dir, stop: () => shutDown(clients, pipeline, dir) };
}

/** A test pipeline of the calling file or describe block: started before its tests, stopped after. */
export interface UsedPipeline {
  readonly test: TestPipeline;
  readonly pipeline: LocalPipeline;
}

/**
 * Starts a test pipeline before the tests of the calling file or describe block and stops it
 * after (called ahead of the caller's own hooks, as `useTestEngines` is).
 */
export function useTestPipeline(options: Partial<LocalPipelineOptions> = {}): UsedPipeline {
  let started: TestPipeline | undefined;
  beforeAll(async () => {
    started = await startTestPipeline(options);
  });
  afterAll(async () => {
    await started?.stop();
  });
  const get = (): TestPipeline => {
    if (!started)
      throw new Error('the test pipeline starts in beforeAll: use it in a hook or test');
    return started;
  };
  return {
    get test() {
      return get();
    },
    get pipeline() {
      return get().pipeline;
    },
  };
}

/**
 * A Treezor `user.kycreview` body for `userId` from the fixture, unsigned until sent. Only
 * `object_payload` is signed, so what tells two reviews apart, and orders them, is in there:
 * `kycReview` and `modifiedDate` (Paris wall-clock time, as Treezor writes it). `webhookId` is an
 * unsigned label only.
 */
export function treezorReview(options: {
  webhookId: string;
  userId: string;
  modifiedDate: string;
  kycReview: string;
}): string {
  type Envelope = {
    webhookId: string;
    webhook: {
      webhook_id: string;
      object_id: string;
      object_payload: { users: Record<string, unknown>[] };
    };
  };
  const text = readFileSync(join(ROOT, 'test/fixtures/treezor/user.kycreview.json'), 'utf8');
  const body = JSON.parse(text) as Envelope;
  body.webhookId = options.webhookId;
  body.webhook.webhook_id = options.webhookId;
  body.webhook.object_id = options.userId;
  const [user] = body.webhook.object_payload.users;
  if (!user) throw new Error('user.kycreview fixture has no user');
  user['userId'] = options.userId;
  user['kycReview'] = options.kycReview;
  user['modifiedDate'] = options.modifiedDate;
  return JSON.stringify(body);
}

/**
 * The eventId a Treezor body made by `treezorReview` gets: the SHA-256 of its `object_payload`
 * text, which is what the signature covers (written here with node:crypto, not the vendor code).
 */
export function treezorEventId(body: string): string {
  const payload = (JSON.parse(body) as { webhook: { object_payload: unknown } }).webhook
    .object_payload;
  return `treezor:${createHash('sha256').update(JSON.stringify(payload), 'utf8').digest('hex')}`;
}

/** The local engines alone (no handlers), with clients, for adapter tests. */
export interface TestEngines {
  readonly engines: Engines;
  readonly clients: LocalClients;
  /** Where the local PutEvents endpoint appends what it receives (created with its first event). */
  readonly eventsFile: string;
  stop(): Promise<void>;
}

/** The local engines with the run's DynamoDB Local: tests create their tables with `uniqueTableName`. */
export async function startTestEngines(): Promise<TestEngines> {
  const dir = mkdtempSync(join(tmpdir(), 'kyc-engines-'));
  const eventsFile = join(dir, 'events.jsonl');
  const engines = await startEngines({
    dynamodb: { endpoint: dynamodbEndpoint() },
    sqsPort: 0,
    eventBridgePort: 0,
    eventsFile,
  });
  const clients = createLocalClients(engines.endpoints);
  return { engines, clients, eventsFile, stop: () => shutDown(clients, engines, dir) };
}

/** The local engines of a test file or describe block, with tables of its own on demand. */
export interface UsedEngines extends Omit<TestEngines, 'stop'> {
  /** A new table (`<prefix>-<uuid>`) on the run's DynamoDB Local. */
  freshTable(prefix: string): Promise<string>;
  /** A new table, as `freshTable` makes it, and the event store over it. */
  freshStore(prefix: string): Promise<{ store: DynamoEventStore; table: string }>;
}

/**
 * Starts the local engines before the tests of the calling file or describe block and stops
 * them after. Called ahead of the caller's own hooks, those run once the engines are up and
 * (vitest runs `afterAll` hooks in reverse) before they stop.
 */
export function useTestEngines(): UsedEngines {
  let started: TestEngines | undefined;
  beforeAll(async () => {
    started = await startTestEngines();
  });
  afterAll(async () => {
    await started?.stop();
  });
  const get = (): TestEngines => {
    if (!started)
      throw new Error('the local engines start in beforeAll: read them in a hook or test');
    return started;
  };
  const freshTable = async (prefix: string): Promise<string> => {
    const table = uniqueTableName(prefix);
    await createTable(get().clients.dynamodb, table);
    return table;
  };
  return {
    get engines() {
      return get().engines;
    },
    get clients() {
      return get().clients;
    },
    get eventsFile() {
      return get().eventsFile;
    },
    freshTable,
    async freshStore(prefix) {
      const table = await freshTable(prefix);
      return { store: DynamoEventStore.create(get().clients.dynamodb, table), table };
    },
  };
}
