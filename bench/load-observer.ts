import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { readdirSync, readFileSync } from 'node:fs';
import type { ClientRequest, IncomingMessage, Server } from 'node:http';
import { monitorEventLoopDelay, performance, type EventLoopUtilization } from 'node:perf_hooks';

/**
 * What each stage of the local pipeline did during a step of the load run, seen from inside the
 * pipeline's process without touching its code: Node's `http` diagnostics channels time every
 * request the handlers' AWS SDK clients make (by engine and operation) and every request the
 * webhook server answers; the event loop and the process's CPU say how busy the one Node
 * process that hosts ingest, local SQS, the processor and the PutEvents endpoint is; and
 * /proc, where there is one, says how much CPU DynamoDB Local's Java process used.
 */

export interface Ports {
  readonly webhooks: number;
  readonly dynamodb: number;
  readonly sqs: number;
  readonly eventBridge: number;
}

/** Request times of one engine operation, in milliseconds. */
export interface OperationTimes {
  readonly count: number;
  readonly totalMs: number;
  readonly samples: readonly number[];
}

export interface StageWindow {
  readonly seconds: number;
  /** Webhook requests as the server answered them (ingest: parse, verify, queue, answer). */
  readonly ingest: OperationTimes;
  /** `<engine> <operation>` → times, e.g. `sqs SendMessage`, `dynamodb TransactWriteItems`. */
  readonly operations: ReadonlyMap<string, OperationTimes>;
  /** Share of the pipeline process's event loop that was busy (0–1). */
  readonly eventLoopUtilization: number;
  /** 99th percentile of the event loop's delay, in milliseconds. */
  readonly eventLoopDelayP99Ms: number;
  /** CPU cores the pipeline's Node process used on average. */
  readonly pipelineCores: number;
  /** CPU cores DynamoDB Local's Java process used, when it is this process's child. */
  readonly dynamodbCores?: number;
  /** CPU cores the whole machine kept busy, every process included, where /proc/stat says. */
  readonly machineCores?: number;
}

const MAX_SAMPLES = 20_000;

class Times {
  count = 0;
  totalMs = 0;
  readonly samples: number[] = [];
  add(ms: number): void {
    this.count += 1;
    this.totalMs += ms;
    if (this.samples.length < MAX_SAMPLES) this.samples.push(ms);
  }
}

/** Starts observing at construction; `window()` returns what happened since the last call. */
export class StageObserver {
  readonly #ports: Ports;
  readonly #started = new WeakMap<object, number>();
  #ingest = new Times();
  #operations = new Map<string, Times>();
  #windowStart = performance.now();
  #elu: EventLoopUtilization = performance.eventLoopUtilization();
  #cpu = process.cpuUsage();
  #javaTicks: number | undefined;
  #machineTicks: number | undefined = machineBusyTicks();
  readonly #delay = monitorEventLoopDelay({ resolution: 10 });
  readonly #javaPid: number | undefined;

  readonly #onClientStart = (message: unknown): void => {
    const { request } = message as { request: ClientRequest };
    this.#started.set(request, performance.now());
  };
  readonly #onClientFinish = (message: unknown): void => {
    const { request } = message as { request: ClientRequest };
    const started = this.#started.get(request);
    if (started === undefined) return;
    const name = this.#operationOf(request);
    if (name === undefined) return;
    let times = this.#operations.get(name);
    if (!times) this.#operations.set(name, (times = new Times()));
    times.add(performance.now() - started);
  };
  readonly #onServerStart = (message: unknown): void => {
    const { request } = message as { request: IncomingMessage };
    this.#started.set(request, performance.now());
  };
  readonly #onServerFinish = (message: unknown): void => {
    const { request, server } = message as { request: IncomingMessage; server: Server };
    const address = server.address();
    if (typeof address !== 'object' || address?.port !== this.#ports.webhooks) return;
    if (request.method !== 'POST') return;
    const started = this.#started.get(request);
    if (started !== undefined) this.#ingest.add(performance.now() - started);
  };

  constructor(ports: Ports) {
    this.#ports = ports;
    this.#javaPid = findChildProcess('java');
    this.#javaTicks = this.#javaPid === undefined ? undefined : cpuTicksOf(this.#javaPid);
    subscribe('http.client.request.start', this.#onClientStart);
    subscribe('http.client.response.finish', this.#onClientFinish);
    subscribe('http.server.request.start', this.#onServerStart);
    subscribe('http.server.response.finish', this.#onServerFinish);
    this.#delay.enable();
  }

  /** What happened since the previous window (or since construction), and starts a new one. */
  window(): StageWindow {
    const now = performance.now();
    const seconds = (now - this.#windowStart) / 1000;
    const elu = performance.eventLoopUtilization(this.#elu);
    const cpu = process.cpuUsage(this.#cpu);
    const ticks = this.#javaPid === undefined ? undefined : cpuTicksOf(this.#javaPid);
    const dynamodbCores =
      ticks === undefined || this.#javaTicks === undefined
        ? undefined
        : (ticks - this.#javaTicks) / CLOCK_TICKS_PER_SECOND / seconds;
    const machineTicks = machineBusyTicks();
    const machineCores =
      machineTicks === undefined || this.#machineTicks === undefined
        ? undefined
        : (machineTicks - this.#machineTicks) / CLOCK_TICKS_PER_SECOND / seconds;
    const window: StageWindow = {
      seconds,
      ingest: this.#ingest,
      operations: this.#operations,
      eventLoopUtilization: elu.utilization,
      eventLoopDelayP99Ms: this.#delay.percentile(99) / 1e6,
      pipelineCores: (cpu.user + cpu.system) / 1e6 / seconds,
      ...(dynamodbCores !== undefined && { dynamodbCores }),
      ...(machineCores !== undefined && { machineCores }),
    };
    this.#windowStart = now;
    this.#elu = performance.eventLoopUtilization();
    this.#cpu = process.cpuUsage();
    this.#javaTicks = ticks;
    this.#machineTicks = machineTicks;
    this.#ingest = new Times();
    this.#operations = new Map();
    this.#delay.reset();
    return window;
  }

  stop(): void {
    unsubscribe('http.client.request.start', this.#onClientStart);
    unsubscribe('http.client.response.finish', this.#onClientFinish);
    unsubscribe('http.server.request.start', this.#onServerStart);
    unsubscribe('http.server.response.finish', this.#onServerFinish);
    this.#delay.disable();
  }

  /** `dynamodb GetItem` for an SDK call to DynamoDB Local, from its port and `X-Amz-Target`. */
  #operationOf(request: ClientRequest): string | undefined {
    const host = String(request.getHeader('host') ?? '');
    const port = Number(host.slice(host.lastIndexOf(':') + 1));
    const engine =
      port === this.#ports.dynamodb
        ? 'dynamodb'
        : port === this.#ports.sqs
          ? 'sqs'
          : port === this.#ports.eventBridge
            ? 'eventbridge'
            : undefined;
    if (engine === undefined) return undefined;
    const target = String(request.getHeader('x-amz-target') ?? 'unknown');
    return `${engine} ${target.slice(target.indexOf('.') + 1)}`;
  }
}

/** Linux reports process CPU in clock ticks, 100 a second on every mainstream kernel build. */
const CLOCK_TICKS_PER_SECOND = 100;

/** A descendant of this process running `command`, found in /proc; none elsewhere. */
function findChildProcess(command: string): number | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return undefined;
  }
  const parents = new Map<number, { parent: number; command: string }>();
  for (const entry of entries) {
    const stat = readStat(Number(entry));
    if (stat) parents.set(Number(entry), { parent: stat.parent, command: stat.command });
  }
  const descends = (pid: number): boolean => {
    for (let current = pid, hops = 0; hops < 10; hops += 1) {
      const parent = parents.get(current)?.parent;
      if (parent === undefined || parent <= 1) return false;
      if (parent === process.pid) return true;
      current = parent;
    }
    return false;
  };
  return [...parents].find(([pid, info]) => info.command === command && descends(pid))?.[0];
}

/**
 * Ticks all cores spent running something since boot: the first line of /proc/stat without idle,
 * iowait and steal (time a hypervisor gave to another machine).
 */
function machineBusyTicks(): number | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    const [label, ...fields] = line.trim().split(/\s+/);
    if (label !== 'cpu') return undefined;
    // user nice system idle iowait irq softirq steal …; guest time is already counted in user.
    const [user, nice, system, , , irq, softirq] = fields.map(Number);
    return [user, nice, system, irq, softirq].reduce<number>((a, b) => a + (b ?? 0), 0);
  } catch {
    return undefined;
  }
}

function cpuTicksOf(pid: number): number | undefined {
  const stat = readStat(pid);
  return stat && stat.utime + stat.stime;
}

function readStat(
  pid: number,
): { command: string; parent: number; utime: number; stime: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // `pid (comm) state ppid …`: comm may hold spaces and parentheses, so split after the last `)`.
    const close = text.lastIndexOf(')');
    const command = text.slice(text.indexOf('(') + 1, close);
    const fields = text
      .slice(close + 2)
      .split(' ')
      .map(Number);
    // Fields after comm, from `state` (index 0): ppid is 1, utime 11, stime 12.
    return {
      command,
      parent: fields[1] ?? 0,
      utime: fields[11] ?? 0,
      stime: fields[12] ?? 0,
    };
  } catch {
    return undefined;
  }
}
