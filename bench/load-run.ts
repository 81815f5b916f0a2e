import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { queueDepth } from '../lambdas/adapters/sqs-queue-depth.js';
import { createLocalClients, LOCAL_REGION, type LocalClients } from '../local/clients.js';
import { createLocalHandlers } from '../local/handlers.js';
import { startLocalPipeline, type LocalPipeline } from '../local/pipeline.js';
import { SqsPoller } from '../local/poller.js';
import { loadConfigFor, type LoadConfig, type LoadMode } from './load-config.js';
import { StageObserver, type StageWindow } from './load-observer.js';
import type {
  ClientMessage,
  DriverMessage,
  ProbeSample,
  StepPlan,
  StepReport,
} from './load-protocol.js';
import { describeLoad, describeMachine } from './machine.js';

/**
 * The load run: the whole local pipeline (every vendor's ingest behind the local webhook server,
 * local SQS, the processor behind the local poller, DynamoDB Local, the PutEvents endpoint),
 * driven over loopback HTTP by a separate client process with genuine signed deliveries.
 *
 * 0. A warm-up (not reported), then the engines' answer times at rest, the probes' baseline.
 * 1. **Ramp**: closed-loop pools of 1, 2, 4, … clients, each sending again as soon as it is
 *    answered, until acknowledgements stop rising, latency or errors climb, or the pool sizes
 *    run out. The queue is drained after each step, so each starts from rest; the drain shows
 *    what the processor does alone.
 * 2. **Holds**: paced sends at a fixed rate, to confirm a rate end to end: acknowledged, then
 *    published, with the backlog flat. The highest confirmed rate is the run's figure.
 *
 * Each step also records what every stage did (bench/load-observer.ts and the client's probes),
 * from which the run names the stage that saturated first.
 */

export interface LoadOptions {
  readonly mode: LoadMode;
  /**
   * Processor instances: the pipeline's own poller, plus more built the way local mode builds
   * its handlers. 1 is local mode as it ships; AWS runs up to `processorMaxConcurrency` (10).
   */
  readonly processors?: number;
  /** A DynamoDB Local already running (the tests share one); else the pipeline starts its own. */
  readonly dynamodbEndpoint?: string;
  readonly progress?: (line: string) => void;
}

export type Stage = 'ingest HTTP' | 'SQS' | 'processor' | 'DynamoDB Local';

export interface Percentiles {
  readonly p50: number;
  readonly p99: number;
}

export interface StepResult {
  readonly name: string;
  readonly concurrency: number;
  readonly ratePerSecond?: number;
  readonly seconds: number;
  readonly sent: number;
  readonly acknowledged: number;
  readonly errors: ReadonlyMap<string, number>;
  readonly acknowledgedPerSecond: number;
  /** Publications during the step (all of them this step's deliveries: each step starts drained). */
  readonly publishedPerSecond: number;
  readonly ingestMs: Percentiles;
  /** Acknowledged at the sender → published, for the step's deliveries published by the end of its drain. */
  readonly endToEndMs?: Percentiles;
  /** This step's deliveries acknowledged but not yet published when the step ended. */
  readonly backlogAtEnd: number;
  /** The most messages the queue held (visible and in flight) at a probe. */
  readonly maxQueueDepth: number;
  readonly late: number;
  readonly clientCores: number;
  /** CPU cores processes other than the pipeline, DynamoDB Local and the client used: a shared box. */
  readonly otherCores?: number;
  readonly stages: StageSummary;
  readonly drain: DrainResult;
}

export interface StageSummary {
  /** Webhook requests as the server timed them. */
  readonly ingestServerMs: number;
  /** Ingest's SendMessage, as its SDK client timed it. */
  readonly sendMessageMs: number;
  /** Share of the processor instances' time spent processing rather than waiting for messages. */
  readonly processorBusy: number;
  /** Batches the processor finished, and how long one took on average. */
  readonly batches: number;
  readonly batchMs: number;
  readonly dynamodbRequests: number;
  readonly dynamodbMs: number;
  /** The client's probes: median answer time of each engine during the step. */
  readonly probeMs: { readonly health: number; readonly dynamodb: number; readonly sqs: number };
  readonly eventLoopUtilization: number;
  readonly eventLoopDelayP99Ms: number;
  readonly pipelineCores: number;
  readonly dynamodbCores?: number;
  readonly machineCores?: number;
}

export interface DrainResult {
  readonly published: number;
  readonly seconds: number;
  /** The processor's rate alone, when the backlog was large enough to tell one. */
  readonly perSecond?: number;
  /** Whether everything acknowledged so far was published within the drain's time. */
  readonly complete: boolean;
  readonly stages: StageSummary;
}

export interface HoldResult extends StepResult {
  readonly sustained: boolean;
  readonly why: string;
}

export interface Saturation {
  readonly stage: Stage;
  readonly concurrency: number;
  readonly why: string;
}

export interface LoadResult {
  readonly mode: LoadMode;
  readonly cores: number;
  readonly processors: number;
  readonly machine: readonly string[];
  readonly vendors: readonly string[];
  readonly rest: StageSummary;
  readonly ramp: readonly StepResult[];
  readonly holds: readonly HoldResult[];
  /** The highest paced rate confirmed end to end, or the best seen when none was. */
  readonly sustained: { readonly perSecond: number; readonly confirmed: boolean };
  readonly saturation: Saturation;
  readonly totals: {
    readonly sent: number;
    readonly acknowledged: number;
    readonly published: number;
    /** Acknowledged, not published when the run stopped (still queued or being retried). */
    readonly unpublished: number;
    readonly deadLettered: number;
  };
  readonly seconds: number;
  readonly stoppedEarly?: string;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const config = loadConfigFor(options.mode);
  const processors = options.processors ?? 1;
  if (!Number.isInteger(processors) || processors < 1 || processors > 32) {
    throw new Error(`load: processors must be an integer from 1 to 32, got ${processors}`);
  }
  const progress = options.progress ?? (() => undefined);
  const started = Date.now();
  const machine = describeMachine();
  const dir = mkdtempSync(join(tmpdir(), 'kyc-load-'));
  const publishedAt = new Map<string, number>();
  let pipeline: LocalPipeline | undefined;
  let extra: ExtraProcessors | undefined;
  let client: LoadClient | undefined;
  let observer: StageObserver | undefined;
  try {
    pipeline = await startLocalPipeline({
      port: 0,
      ...(options.dynamodbEndpoint === undefined
        ? { dynamodbPort: 0 }
        : {
            dynamodbEndpoint: options.dynamodbEndpoint,
            tableName: `kyc-load-${process.pid}-${Date.now()}`,
          }),
      sqsPort: 0,
      eventBridgePort: 0,
      eventsFile: join(dir, 'events.jsonl'),
      logLevel: 'SILENT',
      printEvent: (_line, event) => {
        const { eventId } = JSON.parse(event.Detail) as { eventId: string };
        publishedAt.set(eventId, Date.now());
      },
    });
    extra = processors > 1 ? startExtraProcessors(pipeline, processors - 1) : undefined;
    observer = new StageObserver({
      webhooks: portOf(pipeline.urls.server),
      dynamodb: portOf(pipeline.urls.dynamodb),
      sqs: portOf(pipeline.urls.sqs),
      eventBridge: portOf(pipeline.urls.eventBridge),
    });
    client = await LoadClient.start(pipeline);
    progress(`pipeline up; client sends for ${client.vendors.join(', ')}`);

    const run = new Run(config, client, observer, publishedAt, processors, progress, started);
    await run.warmUp();
    const rest = await run.rest();
    const ramp = await run.ramp();
    const holds = await run.holds(ramp);
    const saturation = findSaturation(ramp, rest, processors);
    const sustained = sustainedRate(holds, ramp);
    const deadLettered = await depthOf(pipeline, pipeline.urls.deadLetterQueue);
    const acknowledged = run.acknowledged;
    const published = [...acknowledged].filter((eventId) => publishedAt.has(eventId)).length;
    return {
      mode: config.mode,
      cores: availableParallelism(),
      processors,
      machine: [...machine, describeLoad('at the end')],
      vendors: client.vendors,
      rest,
      ramp,
      holds,
      sustained,
      saturation,
      totals: {
        sent: run.sent,
        acknowledged: acknowledged.size,
        published,
        unpublished: acknowledged.size - published,
        deadLettered,
      },
      seconds: (Date.now() - started) / 1000,
      ...(run.stoppedEarly && { stoppedEarly: run.stoppedEarly }),
    };
  } finally {
    observer?.stop();
    await client?.stop();
    await extra?.stop();
    await pipeline?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The steps of one run, and what they have sent and seen so far. */
class Run {
  readonly acknowledged = new Set<string>();
  sent = 0;
  stoppedEarly: string | undefined;

  constructor(
    private readonly config: LoadConfig,
    private readonly client: LoadClient,
    private readonly observer: StageObserver,
    private readonly publishedAt: ReadonlyMap<string, number>,
    private readonly processors: number,
    private readonly progress: (line: string) => void,
    private readonly started: number,
  ) {}

  /** The engines at rest, warm: the probes' baseline. */
  async rest(): Promise<StageSummary> {
    this.observer.window();
    const report = await this.client.step({
      kind: 'step',
      name: 'rest',
      concurrency: 0,
      durationMs: Math.min(1_500, this.config.stepMs),
      maxDeliveries: 0,
    });
    return summarizeStages(this.observer.window(), report.probes, this.processors);
  }

  /** Not reported: the first requests compile code paths and open connections, in every stage. */
  async warmUp(): Promise<void> {
    await this.#step({
      kind: 'step',
      name: 'warm-up',
      concurrency: 2,
      durationMs: Math.min(WARM_UP_MS, this.config.stepMs),
      maxDeliveries: Math.min(WARM_UP_DELIVERIES, this.config.maxDeliveriesPerStep),
    });
  }

  async ramp(): Promise<StepResult[]> {
    const steps: StepResult[] = [];
    let flat = 0;
    for (const concurrency of this.config.ramp) {
      if (this.#overBudget()) break;
      const step = await this.#step({
        kind: 'step',
        name: `${concurrency} client${concurrency === 1 ? '' : 's'}`,
        concurrency,
        durationMs: this.config.stepMs,
        maxDeliveries: this.config.maxDeliveriesPerStep,
      });
      steps.push(step);
      this.progress(
        `ramp ${step.name}: ${step.acknowledgedPerSecond.toFixed(0)} acknowledged/s, ` +
          `${step.publishedPerSecond.toFixed(0)} published/s, ingest p99 ` +
          `${step.ingestMs.p99.toFixed(0)} ms, backlog ${step.backlogAtEnd}` +
          (step.drain.perSecond === undefined
            ? ''
            : `; drained at ${step.drain.perSecond.toFixed(0)}/s`),
      );
      const best = Math.max(...steps.slice(0, -1).map((s) => s.acknowledgedPerSecond), 0);
      flat = step.acknowledgedPerSecond < best * RAMP_GAIN ? flat + 1 : 0;
      const errorShare = errorsOf(step) / Math.max(1, step.sent);
      if (flat >= 2 || errorShare > MAX_ERROR_SHARE || step.ingestMs.p99 > MAX_RAMP_P99_MS) break;
    }
    return steps;
  }

  /**
   * Paced holds: the first at the best rate the ramp published while ingest ran flat out; then
   * 15% higher after each confirmed rate and 25% lower after each refused one, until one of each
   * is known, and between the two from then on.
   */
  async holds(ramp: readonly StepResult[]): Promise<HoldResult[]> {
    const holds: HoldResult[] = [];
    let confirmed: number | undefined;
    let refused: number | undefined;
    let rate = Math.max(1, ...ramp.map((s) => s.publishedPerSecond));
    for (let i = 0; i < this.config.holds && !this.#overBudget(); i += 1) {
      const perSecond = Math.max(1, Math.round(rate));
      const step = await this.#step({
        kind: 'step',
        name: `${perSecond}/s`,
        concurrency: this.config.holdConcurrency,
        durationMs: this.config.holdMs,
        ratePerSecond: perSecond,
        maxDeliveries: Math.min(
          this.config.maxDeliveriesPerStep,
          Math.ceil((perSecond * this.config.holdMs) / 1000),
        ),
      });
      const verdict = judgeHold(step, perSecond);
      holds.push({ ...step, ...verdict });
      this.progress(
        `hold ${perSecond}/s: ${verdict.sustained ? 'sustained' : 'not sustained'} (${verdict.why})`,
      );
      if (verdict.sustained) confirmed = Math.max(confirmed ?? 0, perSecond);
      else refused = Math.min(refused ?? Infinity, perSecond);
      if (confirmed === undefined) rate = perSecond * 0.75;
      else if (refused === undefined) rate = perSecond * 1.15;
      // Another hold would not tell the two apart by more than a few percent.
      else if (refused - confirmed <= Math.max(2, confirmed * 0.05)) break;
      else rate = (confirmed + refused) / 2;
    }
    return holds;
  }

  async #step(plan: StepPlan): Promise<StepResult> {
    this.observer.window();
    const report = await this.client.step(plan);
    const stepStages = summarizeStages(this.observer.window(), report.probes, this.processors);
    const acknowledged = report.sends.filter((send) => isAcknowledged(send.status));
    for (const send of acknowledged) this.acknowledged.add(send.eventId);
    this.sent += report.sends.length;
    const seconds = (report.endedAt - report.startedAt) / 1000;
    const backlogAtEnd = acknowledged.filter(({ eventId }) => {
      const at = this.publishedAt.get(eventId);
      return at === undefined || at > report.endedAt;
    }).length;
    const publishedDuring = [...this.publishedAt.values()].filter(
      (at) => at >= report.startedAt && at <= report.endedAt,
    ).length;
    const drain = await this.#drain(backlogAtEnd);
    const endToEnd = acknowledged.flatMap(({ eventId, sentAt }) => {
      const at = this.publishedAt.get(eventId);
      return at === undefined ? [] : [at - sentAt];
    });
    const clientCores = report.clientCpuMs / 1000 / seconds;
    const { machineCores, pipelineCores, dynamodbCores } = stepStages;
    const errors = new Map<string, number>();
    for (const send of report.sends) {
      if (isAcknowledged(send.status)) continue;
      const key = send.status === 0 ? 'no answer' : String(send.status);
      errors.set(key, (errors.get(key) ?? 0) + 1);
    }
    return {
      name: plan.name,
      concurrency: plan.concurrency,
      ...(plan.ratePerSecond !== undefined && { ratePerSecond: plan.ratePerSecond }),
      seconds,
      sent: report.sends.length,
      acknowledged: acknowledged.length,
      errors,
      acknowledgedPerSecond: acknowledged.length / seconds,
      publishedPerSecond: publishedDuring / seconds,
      ingestMs: percentiles(acknowledged.map((send) => send.ms)),
      ...(endToEnd.length > 0 && { endToEndMs: percentiles(endToEnd) }),
      backlogAtEnd,
      maxQueueDepth: Math.max(0, ...report.probes.map((p) => p.visible + p.inFlight)),
      late: report.late,
      clientCores,
      ...(machineCores !== undefined && {
        otherCores: Math.max(0, machineCores - pipelineCores - (dynamodbCores ?? 0) - clientCores),
      }),
      stages: stepStages,
      drain,
    };
  }

  /** Waits for every acknowledged delivery to be published, for at most `drainMs`. */
  async #drain(backlog: number): Promise<DrainResult> {
    const start = Date.now();
    const before = this.publishedAt.size;
    const unpublished = (): number =>
      [...this.acknowledged].filter((eventId) => !this.publishedAt.has(eventId)).length;
    while (unpublished() > 0 && Date.now() - start < this.config.drainMs) await sleep(50);
    const window = this.observer.window();
    const seconds = (Date.now() - start) / 1000;
    const published = this.publishedAt.size - before;
    return {
      published,
      seconds,
      // A drain of a few batches is mostly the last one's batching window, not a rate.
      ...(backlog >= DRAIN_MIN_BACKLOG && { perSecond: published / seconds }),
      complete: unpublished() === 0,
      stages: summarizeStages(window, [], this.processors),
    };
  }

  #overBudget(): boolean {
    if (Date.now() - this.started < this.config.budgetMs) return false;
    this.stoppedEarly ??= `the run's time budget (${this.config.budgetMs / 1000} s) ran out`;
    return true;
  }
}

/** A ramp step must raise acknowledgements by 10% over the best before it to count as rising. */
const RAMP_GAIN = 1.1;
const MAX_ERROR_SHARE = 0.01;
const MAX_RAMP_P99_MS = 2_000;
const DRAIN_MIN_BACKLOG = 200;
/** A processor instance this busy (not waiting for messages) has no time to spare. */
const BUSY = 0.8;
const WARM_UP_MS = 2_000;
const WARM_UP_DELIVERIES = 200;

function isAcknowledged(status: number): boolean {
  return status >= 200 && status < 300;
}

function errorsOf(step: StepResult): number {
  return [...step.errors.values()].reduce((a, b) => a + b, 0);
}

/**
 * A rate is sustained when the pool kept to the schedule, nothing was refused or lost, and the
 * pipeline published as fast as it acknowledged: at the end no more than half a second of
 * traffic (a batch in hand and the one filling) was still waiting, and all of it was published
 * in the drain. A queue growing by 5% of the rate fails the first test within a ten-second hold.
 */
export function judgeHold(
  step: StepResult,
  perSecond: number,
): { sustained: boolean; why: string } {
  const planned = Math.min(step.sent, Math.ceil(perSecond * step.seconds));
  const slack = inFlightAllowance(perSecond);
  if (errorsOf(step) > 0)
    return { sustained: false, why: `${errorsOf(step)} deliveries not acknowledged` };
  if (step.late > planned * 0.02 || step.acknowledgedPerSecond < perSecond * 0.95) {
    return {
      sustained: false,
      why: `ingest answered ${step.acknowledgedPerSecond.toFixed(0)}/s (${step.late} sends late)`,
    };
  }
  if (step.backlogAtEnd > slack) {
    return {
      sustained: false,
      why: `backlog grew to ${step.backlogAtEnd} (published ${step.publishedPerSecond.toFixed(0)}/s)`,
    };
  }
  if (!step.drain.complete) return { sustained: false, why: 'backlog did not drain' };
  return {
    sustained: true,
    why: `backlog ${step.backlogAtEnd} at the end, published ${step.publishedPerSecond.toFixed(0)}/s`,
  };
}

/**
 * What is normally on its way at `perSecond`: a batch in hand and the next one filling, about
 * half a second of traffic, and never less than three batches.
 */
function inFlightAllowance(perSecond: number): number {
  return Math.max(30, perSecond / 2);
}

function sustainedRate(
  holds: readonly HoldResult[],
  ramp: readonly StepResult[],
): { perSecond: number; confirmed: boolean } {
  const confirmed = holds.filter((hold) => hold.sustained).map((hold) => hold.ratePerSecond ?? 0);
  if (confirmed.length > 0) return { perSecond: Math.max(...confirmed), confirmed: true };
  const seen = [...holds, ...ramp].map((step) => step.publishedPerSecond);
  return { perSecond: Math.round(Math.max(0, ...seen)), confirmed: false };
}

/**
 * The stage that saturated first: walking up the ramp, the first step at which one stage could
 * no longer keep up.
 *
 * - The queue grew during the step (published under 90% of acknowledged): what drains it fell
 *   behind. That is DynamoDB Local when its probe answered several times slower than at rest
 *   (the processor waits on it), else the processor itself.
 * - Otherwise, acknowledgements stopped rising as clients doubled: ingest is the limit; SQS when
 *   the queue's SendMessage took most of ingest's time, else the ingest HTTP path.
 */
export function findSaturation(
  ramp: readonly StepResult[],
  rest: StageSummary,
  processors: number,
): Saturation {
  const instances = `${processors} processor instance${processors === 1 ? '' : 's'}`;
  // A step whose acknowledgements did not beat the best before it by 10%; one such step alone
  // may be noise, so ingest counts as saturated where two come in a row (or the ramp ends).
  const flat = ramp.map(
    (step, i) =>
      i > 0 &&
      step.acknowledgedPerSecond <
        Math.max(...ramp.slice(0, i).map((s) => s.acknowledgedPerSecond)) * RAMP_GAIN,
  );
  let best = 0;
  for (const [i, step] of ramp.entries()) {
    const s = step.stages;
    if (
      step.publishedPerSecond < step.acknowledgedPerSecond * 0.9 &&
      step.backlogAtEnd > inFlightAllowance(step.acknowledgedPerSecond)
    ) {
      const slower = s.probeMs.dynamodb / Math.max(rest.probeMs.dynamodb, 0.5);
      const growth = step.acknowledgedPerSecond - step.publishedPerSecond;
      const queue =
        `the queue grew ${growth.toFixed(0)}/s (acknowledged ${step.acknowledgedPerSecond.toFixed(0)}/s, ` +
        `published ${step.publishedPerSecond.toFixed(0)}/s)`;
      if (slower >= 3 && s.probeMs.dynamodb >= 10) {
        return {
          stage: 'DynamoDB Local',
          concurrency: step.concurrency,
          why:
            `${queue}, and DynamoDB Local answered a probe in ${s.probeMs.dynamodb.toFixed(1)} ms, ` +
            `${slower.toFixed(1)}× its time at rest`,
        };
      }
      const busy = `${(s.processorBusy * 100).toFixed(0)}%`;
      const loop = `${(s.eventLoopUtilization * 100).toFixed(0)}%`;
      return {
        stage: 'processor',
        concurrency: step.concurrency,
        why:
          `${queue} while DynamoDB Local answered a probe in ${s.probeMs.dynamodb.toFixed(1)} ms ` +
          `(${rest.probeMs.dynamodb.toFixed(1)} ms at rest): ` +
          (s.processorBusy >= BUSY
            ? `${instances} busy ${busy} of the time, ${s.batchMs.toFixed(0)} ms a batch of ten`
            : `${instances} busy only ${busy} of the time but slowed to ` +
              `${s.batchMs.toFixed(0)} ms a batch: short of CPU in the pipeline's one Node ` +
              `process, whose event loop was busy ${loop}`),
      };
    }
    if (flat[i] && (i === ramp.length - 1 || flat[i + 1])) {
      const sqsShare = s.sendMessageMs / Math.max(s.ingestServerMs, 0.001);
      const flat =
        `acknowledgements stopped rising (${step.acknowledgedPerSecond.toFixed(0)}/s, best ` +
        `${best.toFixed(0)}/s) while ingest p99 reached ${step.ingestMs.p99.toFixed(0)} ms`;
      return sqsShare >= 0.5
        ? {
            stage: 'SQS',
            concurrency: step.concurrency,
            why: `${flat}, ${(sqsShare * 100).toFixed(0)}% of it in SendMessage`,
          }
        : {
            stage: 'ingest HTTP',
            concurrency: step.concurrency,
            why:
              `${flat}; SendMessage took ${(sqsShare * 100).toFixed(0)}% of ingest's time, the ` +
              `pipeline's event loop was busy ${(s.eventLoopUtilization * 100).toFixed(0)}%`,
          };
    }
    best = Math.max(best, step.acknowledgedPerSecond);
  }
  const last = ramp.at(-1);
  return {
    stage: 'ingest HTTP',
    concurrency: last?.concurrency ?? 0,
    why: 'no stage saturated within the ramp: the client pool was the limit',
  };
}

function summarizeStages(
  window: StageWindow,
  probes: readonly ProbeSample[],
  processors: number,
): StageSummary {
  const operation = (name: string) => window.operations.get(name);
  const mean = (times: { count: number; totalMs: number } | undefined): number =>
    times && times.count > 0 ? times.totalMs / times.count : 0;
  const receiving = operation('sqs ReceiveMessage')?.totalMs ?? 0;
  const busyMs = Math.max(0, processors * window.seconds * 1000 - receiving);
  const batches = operation('sqs DeleteMessageBatch')?.count ?? 0;
  let dynamodbRequests = 0;
  let dynamodbTotalMs = 0;
  for (const [name, times] of window.operations) {
    if (!name.startsWith('dynamodb ')) continue;
    dynamodbRequests += times.count;
    dynamodbTotalMs += times.totalMs;
  }
  return {
    ingestServerMs: mean(window.ingest),
    sendMessageMs: mean(operation('sqs SendMessage')),
    processorBusy: busyMs / Math.max(1, processors * window.seconds * 1000),
    batches,
    batchMs: batches > 0 ? busyMs / batches : 0,
    dynamodbRequests,
    dynamodbMs: dynamodbRequests > 0 ? dynamodbTotalMs / dynamodbRequests : 0,
    probeMs: {
      health: median(probes.map((p) => p.healthMs)),
      dynamodb: median(probes.map((p) => p.dynamodbMs)),
      sqs: median(probes.map((p) => p.sqsMs)),
    },
    eventLoopUtilization: window.eventLoopUtilization,
    eventLoopDelayP99Ms: window.eventLoopDelayP99Ms,
    pipelineCores: window.pipelineCores,
    ...(window.dynamodbCores !== undefined && { dynamodbCores: window.dynamodbCores }),
    ...(window.machineCores !== undefined && { machineCores: window.machineCores }),
  };
}

function median(values: readonly number[]): number {
  return percentiles(values).p50;
}

/** Nearest-rank percentiles; 0 for no values. */
export function percentiles(values: readonly number[]): Percentiles {
  if (values.length === 0) return { p50: 0, p99: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number): number =>
    sorted[Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length))) - 1] ?? 0;
  return { p50: at(0.5), p99: at(0.99) };
}

function portOf(url: string): number {
  return Number(new URL(url).port);
}

async function depthOf(pipeline: LocalPipeline, queueUrl: string): Promise<number> {
  const clients = createLocalClients(pipeline.urls);
  try {
    return await queueDepth(clients.sqs, queueUrl);
  } finally {
    clients.destroy();
  }
}

interface ExtraProcessors {
  stop(): Promise<void>;
}

/**
 * More processor instances on the pipeline's queue, built as local mode builds its own
 * (`createLocalHandlers`), each behind its own poller: what the event-source mapping does in AWS
 * with a maximum concurrency above 1.
 */
function startExtraProcessors(pipeline: LocalPipeline, count: number): ExtraProcessors {
  const clients: LocalClients = createLocalClients(pipeline.urls);
  const pollers = Array.from({ length: count }, () => {
    const handlers = createLocalHandlers({
      clients,
      queueUrl: pipeline.urls.queue,
      tableName: pipeline.tableName,
      eventBusName: pipeline.eventBusName,
      secretsFile: pipeline.secretsFile,
      logLevel: 'SILENT',
      includePayload: true,
      retentionDays: 90,
    });
    const poller = new SqsPoller({
      sqs: clients.sqs,
      queueUrl: pipeline.urls.queue,
      queueArn: `arn:aws:sqs:${LOCAL_REGION}:000000000000:load`,
      region: LOCAL_REGION,
      handler: handlers.processor,
      // As the pipeline gives its own poller (30 s visibility, 5 s margin).
      invocationMs: 25_000,
      waitTimeSeconds: 1,
      log: handlers.processorLog,
    });
    poller.start();
    return poller;
  });
  return {
    async stop() {
      await Promise.all(pollers.map((poller) => poller.stop()));
      clients.destroy();
    },
  };
}

/** The client process (bench/load-client.ts), run with tsx so it loads TypeScript as we do. */
class LoadClient {
  private constructor(
    private readonly child: ChildProcess,
    readonly vendors: readonly string[],
  ) {}

  static async start(pipeline: LocalPipeline): Promise<LoadClient> {
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    const child = fork(fileURLToPath(new URL('./load-client.ts', import.meta.url)), [], {
      execArgv: ['--import', tsx, '--no-warnings'],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    try {
      const answer = nextMessage(child);
      child.send({
        kind: 'setup',
        server: pipeline.urls.server,
        secretsFile: pipeline.secretsFile,
        probes: {
          dynamodb: pipeline.urls.dynamodb,
          tableName: pipeline.tableName,
          sqs: pipeline.urls.sqs,
          queueUrl: pipeline.urls.queue,
        },
      } satisfies DriverMessage);
      const message = await answer;
      if (message.kind !== 'ready')
        throw new Error(`load client: expected ready, got ${message.kind}`);
      return new LoadClient(child, message.vendors);
    } catch (error) {
      child.kill();
      throw error;
    }
  }

  async step(plan: StepPlan): Promise<StepReport> {
    const answer = nextMessage(this.child);
    this.child.send(plan satisfies DriverMessage);
    const message = await answer;
    if (message.kind !== 'step-done')
      throw new Error(`load client: expected a report, got ${message.kind}`);
    return message;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || !this.child.connected) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.send({ kind: 'stop' });
    await Promise.race([exited, sleep(5_000)]);
    if (this.child.exitCode === null) this.child.kill();
  }
}

/** The child's next message; its failure or exit as an error. */
function nextMessage(child: ChildProcess): Promise<ClientMessage> {
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    const onMessage = (message: ClientMessage): void => {
      cleanup();
      if (message.kind === 'failed') reject(new Error(`load client failed: ${message.error}`));
      else resolve(message);
    };
    const onExit = (code: number | null): void => {
      cleanup();
      reject(new Error(`load client exited (${code ?? 'signal'}) before answering`));
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}
