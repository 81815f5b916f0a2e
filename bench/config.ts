import type { SampleOptions } from './stats.js';

/** `default` for the published figures, `quick` for a fast look, `smoke` runs each case once. */
export type Mode = 'default' | 'quick' | 'smoke';

export interface BenchConfig {
  readonly mode: Mode;
  /** Verification: sub-millisecond, synchronous. */
  readonly micro: SampleOptions;
  /** One ingest request per sample (milliseconds, through a local engine). */
  readonly ingest: SampleOptions;
  /** Fresh `node` processes per bundle and flag set. */
  readonly coldStartRuns: number;
  /** Also load every bundle without `--enable-source-maps`, to show what the flag costs. */
  readonly coldStartWithoutSourceMaps: boolean;
  /** Batches of 10 records through the processor, after `processorWarmup` more. */
  readonly processorBatches: number;
  readonly processorWarmup: number;
}

const CONFIGS: Readonly<Record<Mode, Omit<BenchConfig, 'mode'>>> = {
  default: {
    micro: { samples: 40, warmupMs: 300, minSampleMs: 5 },
    ingest: { samples: 300, warmupMs: 500, minSampleMs: 1 },
    coldStartRuns: 25,
    coldStartWithoutSourceMaps: true,
    processorBatches: 40,
    processorWarmup: 5,
  },
  quick: {
    micro: { samples: 10, warmupMs: 100, minSampleMs: 2 },
    ingest: { samples: 40, warmupMs: 150, minSampleMs: 1 },
    coldStartRuns: 4,
    coldStartWithoutSourceMaps: true,
    processorBatches: 10,
    processorWarmup: 2,
  },
  smoke: {
    micro: { samples: 1, warmupMs: 0, minSampleMs: 0 },
    ingest: { samples: 1, warmupMs: 0, minSampleMs: 0 },
    coldStartRuns: 1,
    coldStartWithoutSourceMaps: false,
    processorBatches: 1,
    processorWarmup: 0,
  },
};

export function configFor(mode: Mode): BenchConfig {
  return { mode, ...CONFIGS[mode] };
}
