import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { TABLE_SCHEMA } from '../lambdas/adapters/dynamo-schema.js';
import type {
  ClientMessage,
  ClientSetup,
  DriverMessage,
  ProbeSample,
  SendRecord,
  StepPlan,
} from './load-protocol.js';
import { LoadTraffic } from './load-traffic.js';

/**
 * The vendors of the load run, in a process of their own (forked by bench/load-run.ts) so that
 * sending, signing and timing do not share an event loop with the pipeline they measure. It
 * runs each step it is given with a bounded pool of keep-alive HTTP clients on loopback, probes
 * the engines meanwhile, and reports what it saw.
 */

/** An answer slower than this counts as none: the step must end in bounded time. */
const REQUEST_TIMEOUT_MS = 10_000;
const PROBE_EVERY_MS = 250;
/** A paced send started this much after its slot counts as late: the pool was the limit. */
const LATE_MS = 50;
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

const send = (message: ClientMessage): void => {
  process.send?.(message);
};

let setup: ClientSetup | undefined;
let traffic: LoadTraffic | undefined;
let agent: Agent | undefined;
let dynamodb: DynamoDBClient | undefined;
let sqs: SQSClient | undefined;

process.on('message', (message: DriverMessage) => {
  handle(message).catch((error: unknown) => {
    send({
      kind: 'failed',
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
  });
});
// The driver owns this process: when it goes, so does the client.
process.on('disconnect', () => process.exit(0));

async function handle(message: DriverMessage): Promise<void> {
  if (message.kind === 'setup') {
    setup = message;
    traffic = await LoadTraffic.load(message.secretsFile);
    const common = { region: 'us-east-1', credentials: LOCAL_CREDENTIALS };
    dynamodb = new DynamoDBClient({ ...common, endpoint: message.probes.dynamodb });
    sqs = new SQSClient({ ...common, endpoint: message.probes.sqs });
    send({ kind: 'ready', vendors: traffic.vendors });
  } else if (message.kind === 'step') {
    await runStep(message);
  } else {
    agent?.destroy();
    dynamodb?.destroy();
    sqs?.destroy();
    process.disconnect();
  }
}

async function runStep(plan: StepPlan): Promise<void> {
  if (!setup || !traffic) throw new Error('load client: step before setup');
  // One socket per client: the pool is bounded by the plan, never by the agent.
  agent?.destroy();
  agent = new Agent({ keepAlive: true, maxSockets: plan.concurrency });
  const cpuBefore = process.cpuUsage();
  const startedAt = Date.now();
  const end = startedAt + plan.durationMs;
  const sends: SendRecord[] = [];
  let late = 0;
  let done = false;

  const probes = probeUntil(() => done);
  const interval = plan.ratePerSecond === undefined ? 0 : 1000 / plan.ratePerSecond;
  let nextSlot = startedAt;
  let started = 0;
  const client = async (): Promise<void> => {
    for (;;) {
      if (started >= plan.maxDeliveries) return;
      if (interval > 0) {
        const slot = nextSlot;
        nextSlot += interval;
        if (slot >= end) return;
        const wait = slot - Date.now();
        if (wait > 0) await sleep(wait);
        else if (-wait > LATE_MS) late += 1;
      } else if (Date.now() >= end) {
        return;
      }
      if (started >= plan.maxDeliveries) return;
      started += 1;
      sends.push(await deliver());
    }
  };
  await Promise.all(Array.from({ length: plan.concurrency }, client));
  // A step without clients only probes: the engines at rest.
  if (plan.concurrency === 0) await sleep(Math.max(0, end - Date.now()));
  done = true;
  const cpu = process.cpuUsage(cpuBefore);
  send({
    kind: 'step-done',
    name: plan.name,
    startedAt,
    endedAt: Date.now(),
    sends,
    probes: await probes,
    late,
    clientCpuMs: (cpu.user + cpu.system) / 1000,
  });
}

async function deliver(): Promise<SendRecord> {
  if (!setup || !traffic || !agent) throw new Error('load client: not set up');
  const delivery = traffic.next();
  const sentAt = Date.now();
  const started = performance.now();
  const status = await post(new URL(delivery.route, setup.server), delivery, agent);
  return { eventId: delivery.eventId, sentAt, ms: performance.now() - started, status };
}

function post(
  url: URL,
  delivery: { readonly body: string; readonly headers: Readonly<Record<string, string>> },
  through: Agent,
): Promise<number> {
  return new Promise((resolve) => {
    const body = Buffer.from(delivery.body, 'utf8');
    const req = request(
      url,
      {
        method: 'POST',
        agent: through,
        headers: { ...delivery.headers, 'content-length': String(body.length) },
        timeout: REQUEST_TIMEOUT_MS,
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', () => resolve(0));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

/** Probes each engine in turn, every `PROBE_EVERY_MS`, until `stopped()`. */
async function probeUntil(stopped: () => boolean): Promise<ProbeSample[]> {
  const samples: ProbeSample[] = [];
  while (!stopped()) {
    const sample = await probe().catch(() => undefined);
    if (sample) samples.push(sample);
    await sleep(PROBE_EVERY_MS);
  }
  return samples;
}

/** The answer time of each engine, and the queue's depth, as one round of probes. */
async function probe(): Promise<ProbeSample> {
  if (!setup || !dynamodb || !sqs) throw new Error('load client: not set up');
  const timed = async <T>(work: () => Promise<T>): Promise<[number, T]> => {
    const started = performance.now();
    const result = await work();
    return [performance.now() - started, result];
  };
  const [healthMs] = await timed(() => get(new URL('/health', setup?.server)));
  const [dynamodbMs] = await timed(() =>
    // A key no item has: the engine's own round trip, without the pipeline's item sizes.
    (dynamodb as DynamoDBClient).send(
      new GetItemCommand({
        TableName: setup?.probes.tableName,
        Key: { [TABLE_SCHEMA.partitionKey]: { S: 'load-probe' } },
        ConsistentRead: true,
      }),
    ),
  );
  const [sqsMs, { Attributes = {} }] = await timed(() =>
    (sqs as SQSClient).send(
      new GetQueueAttributesCommand({
        QueueUrl: setup?.probes.queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    ),
  );
  return {
    at: Date.now(),
    healthMs,
    dynamodbMs,
    sqsMs,
    visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
  };
}

function get(url: URL): Promise<number> {
  return new Promise((resolve, reject) => {
    // Its own connection, so the probe never queues behind the clients' sockets.
    const req = request(
      url,
      { method: 'GET', agent: false, timeout: REQUEST_TIMEOUT_MS },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}
