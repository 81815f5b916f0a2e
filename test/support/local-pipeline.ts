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

/** `stop`, run once however often it is called: a test may stop what its hook stops again. */
function once(stop: () => Promise<void>): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  return () => (stopping ??= stop());
}

export async function startTestPipeline(
  options: Partial<LocalPipelineOptions> = {},
): Promise<TestPipeline> {
  const dir = mkdtempSync(join(tmpdir(), 'kyc-test-'));
  const started = await startLocalPipeline(testPipelineOptions(dir, options));
  const pipeline: LocalPipeline = { ...started, stop: once(started.stop) };
  const clients = createLocalClients(pipeline.urls);
  return { pipeline, clients, dir, stop: once(() => shutDown(clients, pipeline, dir)) };
}

/**
 * Starts something before the tests of the calling file or describe block and stops it after.
 * Called ahead of the caller's own hooks, those run once it is up and (vitest runs `afterAll`
 * hooks in reverse) before it stops. The getter throws `early` when read before it started.
 */
function useStarted<T extends { stop(): Promise<void> }>(
  start: () => Promise<T>,
  early: string,
): () => T {
  let started: T | undefined;
  beforeAll(async () => {
    started = await start();
  });
  afterAll(async () => {
    await started?.stop();
  });
  return () => {
    if (!started) throw new Error(early);
    return started;
  };
}

/** A test pipeline of the calling file or describe block: started before its tests, stopped after. */
export interface UsedPipeline {
  readonly test: TestPipeline;
  readonly pipeline: LocalPipeline;
}

/**
 * The pipeline's options, or a function that makes them in the pipeline's `beforeAll` (for
 * options that need a file written or a port found first).
 */
export type TestPipelineOptions =
  | Partial<LocalPipelineOptions>
  | (() => Partial<LocalPipelineOptions> | Promise<Partial<LocalPipelineOptions>>);

/**
 * Starts a test pipeline before the tests of the calling file or describe block and stops it
 * after, as `useStarted` says. A test may stop it earlier itself: stopping again does nothing.
 */
export function useTestPipeline(options: TestPipelineOptions = {}): UsedPipeline {
  const get = useStarted(
    async () => startTestPipeline(typeof options === 'function' ? await options() : options),
    'the test pipeline starts in beforeAll: use it in a hook or test',
  );
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
  /** A new table (`<prefix>-<uuid>`) on the run's DynamoDB Local, without TTL (see `freshTable`). */
  freshTable(prefix: string): Promise<string>;
  /** A new table, as `freshTable` makes it, and the event store over it. */
  freshStore(prefix: string): Promise<{ store: DynamoEventStore; table: string }>;
}

/** Starts the local engines before the tests of the calling file or describe block, as `useStarted` says. */
export function useTestEngines(): UsedEngines {
  const get = useStarted(
    startTestEngines,
    'the local engines start in beforeAll: read them in a hook or test',
  );
  const freshTable = async (prefix: string): Promise<string> => {
    const table = uniqueTableName(prefix);
    // Tests date their items by fixed clocks, often in the past: no TTL, or DynamoDB Local would
    // delete them under the test.
    await createTable(get().clients.dynamodb, table, { timeToLive: false });
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
