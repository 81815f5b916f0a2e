/**
 * Timing primitives. Every figure the bench reports is a ratio against a floor measured in the
 * same run, so case and floor samples are taken alternately: a noisy neighbour on a shared box
 * then slows both sides of a ratio instead of one.
 */

export interface Summary {
  /** Per-operation value of the median sample (nanoseconds for timings, else the unit given). */
  readonly median: number;
  readonly p95: number;
  /** Number of samples, after warm-up. */
  readonly n: number;
}

export interface SampleOptions {
  readonly samples: number;
  /** Time spent running both functions before any sample is kept (JIT, caches, connections). */
  readonly warmupMs: number;
  /** Synchronous operations are repeated until one sample lasts at least this long. */
  readonly minSampleMs: number;
}

export interface Paired {
  readonly subject: Summary;
  readonly floor: Summary;
}

export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) throw new Error('summarize: no samples');
  const sorted = [...values].sort((a, b) => a - b);
  return { median: percentile(sorted, 0.5), p95: percentile(sorted, 0.95), n: sorted.length };
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number {
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1] ?? Number.NaN;
}

/** Keeps results observable so the JIT cannot drop the work being timed. */
let sink = 0;
export function consume(value: unknown): void {
  if (value !== undefined && value !== null && value !== false) sink += 1;
}
/** Read once at the end of a run, so the sink is live to the optimiser. */
export function consumedCount(): number {
  return sink;
}

function now(): bigint {
  return process.hrtime.bigint();
}

/** Nanoseconds per call of `fn`, averaged over `iterations` back-to-back calls. */
function timeSync(fn: () => unknown, iterations: number): number {
  const start = now();
  for (let i = 0; i < iterations; i += 1) consume(fn());
  return Number(now() - start) / iterations;
}

async function timeAsync(fn: () => Promise<unknown>, iterations: number): Promise<number> {
  const start = now();
  for (let i = 0; i < iterations; i += 1) consume(await fn());
  return Number(now() - start) / iterations;
}

/** Iterations for one sample of `fn` to last at least `minMs`. */
function calibrate(fn: () => unknown, minMs: number): number {
  let iterations = 1;
  for (;;) {
    const perCall = timeSync(fn, iterations);
    if (perCall * iterations >= minMs * 1e6 || iterations >= 1 << 24) return iterations;
    iterations *= 2;
  }
}

function warmSync(fns: readonly (() => unknown)[], ms: number): void {
  const end = Date.now() + ms;
  do for (const fn of fns) consume(fn());
  while (Date.now() < end);
}

/** Samples two synchronous operations alternately; each sample is a calibrated batch of calls. */
export function pairedSync(
  subject: () => unknown,
  floor: () => unknown,
  options: SampleOptions,
): Paired {
  warmSync([subject, floor], options.warmupMs);
  const subjectIterations = calibrate(subject, options.minSampleMs);
  const floorIterations = calibrate(floor, options.minSampleMs);
  const subjects: number[] = [];
  const floors: number[] = [];
  for (let i = 0; i < options.samples; i += 1) {
    floors.push(timeSync(floor, floorIterations));
    subjects.push(timeSync(subject, subjectIterations));
  }
  return { subject: summarize(subjects), floor: summarize(floors) };
}

/**
 * Samples an asynchronous operation (one call per sample: these take milliseconds) against a
 * synchronous floor batch, alternately.
 */
export async function pairedAsync(
  subject: () => Promise<unknown>,
  floor: () => unknown,
  options: SampleOptions,
): Promise<Paired> {
  const end = Date.now() + options.warmupMs;
  do {
    consume(await subject());
    consume(floor());
  } while (Date.now() < end);
  const floorIterations = calibrate(floor, options.minSampleMs);
  const subjects: number[] = [];
  const floors: number[] = [];
  for (let i = 0; i < options.samples; i += 1) {
    floors.push(timeSync(floor, floorIterations));
    subjects.push(await timeAsync(subject, 1));
  }
  return { subject: summarize(subjects), floor: summarize(floors) };
}

/** Samples two asynchronous operations alternately, one call each per sample. */
export async function pairedAsyncBoth(
  subject: () => Promise<unknown>,
  floor: () => Promise<unknown>,
  options: Pick<SampleOptions, 'samples'> & { readonly warmup: number },
): Promise<Paired> {
  for (let i = 0; i < options.warmup; i += 1) {
    consume(await floor());
    consume(await subject());
  }
  const subjects: number[] = [];
  const floors: number[] = [];
  for (let i = 0; i < options.samples; i += 1) {
    floors.push(await timeAsync(floor, 1));
    subjects.push(await timeAsync(subject, 1));
  }
  return { subject: summarize(subjects), floor: summarize(floors) };
}

/** A summary scaled by a constant, e.g. batch time divided by the events in the batch. */
export function scale(summary: Summary, factor: number): Summary {
  return { median: summary.median * factor, p95: summary.p95 * factor, n: summary.n };
}
