import { readFile } from 'node:fs/promises';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { VENDORS } from '../lambdas/vendors/registry.js';
import { DEFAULT_PATHS } from '../local/project-paths.js';
import type { PublishedEvent } from '../local/put-events-server.js';
import { audit, type Audit } from './audit.js';
import { DeliveryFactory } from './delivery-factory.js';
import { DEFAULT_FAULT_RATES, FaultSwitch, type FaultKind, type FaultRates } from './faults.js';
import { Ledger } from './ledger.js';
import { startSoakPipeline } from './pipeline.js';
import { queueDepth, redrive, waitUntilEmpty } from './queues.js';
import { planScenario, type Scenario } from './scenario.js';
import { judge, type Verdict } from './verdict.js';
import { vendorProfiles } from './vendor-profiles.js';
import { sendTraffic } from './vendor-traffic.js';

export interface SoakOptions {
  readonly deliveries: number;
  readonly seed: number;
  /** Deliveries in flight at once (default 24). */
  readonly concurrency?: number;
  /** Concurrent processor invocations (default 4). */
  readonly pollers?: number;
  /** The ingest queue's visibility timeout (default 2 s; local-aws-sqs never takes 0). */
  readonly visibilityTimeoutSeconds?: number;
  readonly rates?: FaultRates;
  /** A DynamoDB Local already running (the tests share one); else the run starts its own. */
  readonly dynamodbEndpoint?: string;
  readonly secretsFile?: string;
  readonly fixturesDir?: string;
  /** Progress lines while the run goes; silent when absent. */
  readonly progress?: (line: string) => void;
}

export interface SoakResult {
  readonly scenario: Scenario;
  readonly ledger: Ledger;
  /** How often each kind of fault struck (every kind the rates enable does). */
  readonly faults: ReadonlyMap<FaultKind, number>;
  readonly audit: Audit;
  /** Every entry EventBridge accepted, in order. */
  readonly published: readonly PublishedEvent[];
  readonly queue: {
    readonly drained: boolean;
    /** In the DLQ once traffic ended and the queue drained, under faults. */
    readonly deadLettered: number;
    readonly redriven: number;
    /** In the DLQ at the very end, after the redrive, without faults: must be 0. */
    readonly deadLetteredAtEnd: number;
  };
  readonly timings: {
    readonly trafficMs: number;
    readonly drainMs: number;
    readonly totalMs: number;
  };
  readonly verdict: Verdict;
}

/** Margin between the invocation's budget (its lease) and the visibility timeout. */
const VISIBILITY_MARGIN_MS = 500;

/**
 * One soak run: plan the traffic from the seed, run it through the pipeline under faults until
 * every genuine delivery is acknowledged and the queue is empty, switch faults off, redrive the
 * DLQ and drain again, then audit what was stored and published.
 */
export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const started = Date.now();
  const visibilityTimeoutSeconds = options.visibilityTimeoutSeconds ?? 2;
  const rates = options.rates ?? DEFAULT_FAULT_RATES;
  const progress = options.progress ?? (() => undefined);
  const profiles = vendorProfiles(VENDORS.map((vendor) => vendor.id));
  const factory = await DeliveryFactory.load(
    profiles,
    options.secretsFile ?? DEFAULT_PATHS.secretsFile,
    options.fixturesDir ?? DEFAULT_PATHS.fixtures,
  );
  const scenario = planScenario({
    seed: options.seed,
    deliveries: options.deliveries,
    profiles,
    factory,
  });
  progress(
    `planned ${scenario.deliveries} deliveries: ${scenario.events.length} events of ` +
      `${scenario.subjects.length} subjects, ${scenario.forgeries} forgeries`,
  );

  const ledger = new Ledger();
  const faults = new FaultSwitch(rates);
  const published: PublishedEvent[] = [];
  const pipeline = await startSoakPipeline({
    seed: options.seed,
    faults,
    ...(options.dynamodbEndpoint !== undefined && { dynamodbEndpoint: options.dynamodbEndpoint }),
    ledger,
    secretsFile: options.secretsFile ?? DEFAULT_PATHS.secretsFile,
    visibilityTimeoutSeconds,
    invocationMs: visibilityTimeoutSeconds * 1000 - VISIBILITY_MARGIN_MS,
    pollers: options.pollers ?? 4,
    onPublished: (event) => published.push(event),
  });
  const { sqs } = pipeline.clients;
  const ticker = setInterval(() => {
    progress(
      `${ledger.acknowledged.size} acknowledged, ${ledger.messagesQueued} queued, ` +
        `${published.length} published, ${ledger.invocations} invocations`,
    );
  }, 5_000);
  try {
    pipeline.startPollers();
    await sendTraffic({
      scenario,
      ingest: pipeline.ingest,
      ledger,
      concurrency: options.concurrency ?? 24,
      maxAttempts: 50,
    });
    const trafficMs = Date.now() - started;
    progress(`traffic done in ${(trafficMs / 1000).toFixed(1)} s; draining the queue`);

    // Generous: every message may need all its receives, a visibility timeout apart.
    const deadline = Date.now() + 120_000 + options.deliveries * 20;
    // Depth counts messages in flight too, so an empty queue is a finished one; the pause only
    // rides out a poll that raced a delete.
    const quietMs = 300;
    // The vendor API worker's queue too: what it learns comes back through the ingest queue.
    const { enrichment } = pipeline;
    const working = [pipeline.queues.queueUrl, enrichment.queueUrl];
    const deadLetterQueues = [pipeline.queues.deadLetterQueueUrl, enrichment.deadLetterQueueUrl];
    let drained = await waitUntilEmpty(sqs, working, { deadline, quietMs });
    faults.off();
    const deadLettered = await depthOf(sqs, deadLetterQueues);
    progress(`faults off; ${deadLettered} message(s) in the DLQs, redriving`);
    let redriven = 0;
    for (const dlq of deadLetterQueues) redriven += await redrive(sqs, dlq, deadline);
    drained =
      (await waitUntilEmpty(sqs, [...working, ...deadLetterQueues], { deadline, quietMs })) &&
      drained;
    const deadLetteredAtEnd = await depthOf(sqs, deadLetterQueues);
    await pipeline.stopPollers();
    const drainMs = Date.now() - started - trafficMs;

    progress('auditing the table and the published events');
    const eventsFile = await readFile(pipeline.eventsFile, 'utf8');
    const result = await audit({
      eventsFileLines: eventsFile.split('\n').filter((line) => line.trim() !== '').length,
      scenario,
      ledger,
      published,
      store: pipeline.store,
      dynamodb: pipeline.clients.dynamodb,
      tableName: pipeline.tableName,
    });
    const queue = { drained, deadLettered, redriven, deadLetteredAtEnd };
    return {
      scenario,
      ledger,
      faults: faults.struck,
      audit: result,
      published,
      queue,
      timings: { trafficMs, drainMs, totalMs: Date.now() - started },
      verdict: judge(result, ledger, queue),
    };
  } finally {
    clearInterval(ticker);
    await pipeline.stop();
  }
}

async function depthOf(sqs: SQSClient, queueUrls: readonly string[]): Promise<number> {
  let depth = 0;
  for (const url of queueUrls) depth += await queueDepth(sqs, url);
  return depth;
}
