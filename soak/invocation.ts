import { currentCall, type ProcessorCall } from './call-context.js';
import { INJECTED, type FaultSwitch } from './faults.js';
import type { Random } from './random.js';

/** The port calls a crash can fall before or after (the processor's steps). */
export const PORT_METHODS = [
  'getEvent',
  'getSubject',
  'stageBody',
  'recordEvent',
  'takeLease',
  'publish',
  'markPublished',
] as const;
export type PortMethod = (typeof PORT_METHODS)[number];

export interface CrashPoint {
  readonly method: PortMethod;
  readonly when: 'before' | 'after';
  /** Which call of `method` in the invocation (1-based): batches run records in parallel. */
  readonly nth: number;
}

/** One record of the batch an invocation was given. */
export interface RecordRef {
  readonly messageId: string;
  /** The ingest request id inside the message: stable across receives and the DLQ. */
  readonly requestId: string;
  readonly receiveCount: number;
}

/** Thrown at the crash point. */
export class InjectedCrash extends Error {
  constructor(readonly label: string) {
    super(`${INJECTED}: ${label}`);
    this.name = 'InjectedCrash';
  }
}

/** Thrown by every call an invocation makes after it died: a dead process makes no calls. */
export class ProcessDied extends Error {
  constructor(cause: string) {
    super(`${INJECTED}: process already dead (${cause})`);
    this.name = 'ProcessDied';
  }
}

/**
 * One processor invocation, as the Lambda runtime runs it: it may crash at a planned port call
 * (then the whole process is gone: every later call fails, and the batch result is never
 * returned), or be killed at its timeout. It also records what the soak needs to explain any
 * duplicate afterwards: which events EventBridge accepted and which were marked published.
 */
export class Invocation implements ProcessorCall {
  readonly kind = 'processor';
  readonly faults: string[] = [];
  /** Events PutEvents accepted in this invocation (by the publisher's own outcome). */
  readonly accepted = new Set<string>();
  /** Events published although the call answered an error (the answer was lost). */
  readonly acceptedUnknowingly = new Set<string>();
  readonly marked = new Set<string>();
  /** Errors `markPublished` raised here, by event id. */
  readonly markFailures = new Map<string, Error>();
  /** Why each failed record failed, from the processor's own log line. */
  readonly recordFailures = new Map<string, string>();
  #dead = false;
  #deathCause = '';
  readonly #calls = new Map<PortMethod, number>();

  constructor(
    readonly id: number,
    readonly records: readonly RecordRef[],
    readonly rng: Random,
    readonly crash: CrashPoint | undefined,
    /** Told when the planned crash strikes. */
    private readonly faultSwitch?: FaultSwitch,
  ) {}

  get dead(): boolean {
    return this.#dead;
  }

  get deathCause(): string {
    return this.#deathCause;
  }

  die(cause: string): void {
    if (this.#dead) return;
    this.#dead = true;
    this.#deathCause = cause;
  }

  /** Counts the call and crashes before it when planned; returns the call's number. */
  beforeCall(method: PortMethod): number {
    if (this.#dead) throw new ProcessDied(this.#deathCause);
    const nth = (this.#calls.get(method) ?? 0) + 1;
    this.#calls.set(method, nth);
    if (this.#crashesAt(method, nth, 'before')) throw this.#crash(`crash before ${method}`);
    return nth;
  }

  /** Crashes after the call took effect when planned; a call finishing after death fails too. */
  afterCall(method: PortMethod, nth: number): void {
    if (this.#crashesAt(method, nth, 'after')) throw this.#crash(`crash after ${method}`);
    if (this.#dead) throw new ProcessDied(this.#deathCause);
  }

  #crash(label: string): InjectedCrash {
    this.faultSwitch?.strike('crash');
    this.faults.push(label);
    this.die(label);
    return new InjectedCrash(label);
  }

  #crashesAt(method: PortMethod, nth: number, when: 'before' | 'after'): boolean {
    const crash = this.crash;
    return (
      crash !== undefined && crash.method === method && crash.nth === nth && crash.when === when
    );
  }
}

/** The invocation the current call belongs to, if it comes from the processor. */
export function currentInvocation(): Invocation | undefined {
  const call = currentCall();
  return call instanceof Invocation ? call : undefined;
}

/**
 * A crash point for a batch of `records` records, or none: at the rate, and always while no
 * planned crash has struck yet (see `FaultSwitch`).
 */
export function planCrash(
  rng: Random,
  faults: FaultSwitch,
  records: number,
): CrashPoint | undefined {
  if (!faults.on) return undefined;
  if (!rng.chance(faults.rates.crash) && !faults.isOwed('crash')) return undefined;
  const method = rng.pick(PORT_METHODS);
  return {
    method,
    when: rng.chance(0.5) ? 'before' : 'after',
    // One publish call per batch (the barrier gathers every record's events).
    nth: method === 'publish' ? 1 : rng.int(1, Math.max(1, records)),
  };
}
