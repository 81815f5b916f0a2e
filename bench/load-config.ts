/** `default` for the figure, `quick` for a look in about a minute, `smoke` for the test suite. */
export type LoadMode = 'default' | 'quick' | 'smoke';

export interface LoadConfig {
  readonly mode: LoadMode;
  /** Client pool sizes of the ramp, tried in order until throughput stops rising. */
  readonly ramp: readonly number[];
  readonly stepMs: number;
  /** Paced holds that confirm a rate end to end; each failed one tries a lower rate. */
  readonly holdMs: number;
  readonly holds: number;
  /** Clients available to a paced hold: enough that the pool is never what limits the rate. */
  readonly holdConcurrency: number;
  /** A step never sends more than this: it bounds the backlog, and so the drain after it. */
  readonly maxDeliveriesPerStep: number;
  /** How long the queue may take to empty after a step before the run moves on regardless. */
  readonly drainMs: number;
  /** The whole run: once past it, no further step starts. */
  readonly budgetMs: number;
}

const CONFIGS: Readonly<Record<LoadMode, LoadConfig>> = {
  default: {
    mode: 'default',
    ramp: [1, 2, 4, 8, 16, 32, 64],
    stepMs: 6_000,
    holdMs: 12_000,
    holds: 4,
    holdConcurrency: 64,
    maxDeliveriesPerStep: 5_000,
    drainMs: 45_000,
    budgetMs: 6 * 60_000,
  },
  quick: {
    mode: 'quick',
    ramp: [1, 4, 16, 64],
    stepMs: 3_000,
    holdMs: 5_000,
    holds: 2,
    holdConcurrency: 32,
    maxDeliveriesPerStep: 1_500,
    drainMs: 20_000,
    budgetMs: 90_000,
  },
  smoke: {
    mode: 'smoke',
    ramp: [1, 2],
    stepMs: 500,
    holdMs: 1_000,
    holds: 1,
    holdConcurrency: 4,
    maxDeliveriesPerStep: 100,
    drainMs: 10_000,
    // Generous: the test asserts every step ran, and a loaded CI machine must not skip one.
    budgetMs: 120_000,
  },
};

export function loadConfigFor(mode: LoadMode): LoadConfig {
  return CONFIGS[mode];
}
