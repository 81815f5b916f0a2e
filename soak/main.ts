import { parseArgs } from 'node:util';
import { formatReport } from './report.js';
import { runSoak } from './run-soak.js';

/**
 * `npm run soak [-- --deliveries N] [--seed S]`: the pipeline's promises under faults, as
 * figures. Exits 1 when an acknowledged delivery was lost, an event stored twice, a subject
 * regressed, or a duplicate publication has no allowed cause; 2 on a usage error.
 */

const USAGE =
  'Usage: npm run soak -- [--deliveries N] [--seed S] [--concurrency C] [--pollers P] ' +
  '[--visibility-timeout SECONDS] [--quiet]';

function integer(value: string | undefined, name: string, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min) {
    throw new Error(`--${name} must be an integer of at least ${min}, not "${value}"`);
  }
  return parsed;
}

async function main(): Promise<number> {
  let options;
  try {
    const { values } = parseArgs({
      options: {
        deliveries: { type: 'string' },
        seed: { type: 'string' },
        concurrency: { type: 'string' },
        pollers: { type: 'string' },
        'visibility-timeout': { type: 'string' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean' },
      },
    });
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    options = {
      deliveries: integer(values.deliveries, 'deliveries', 10_000, 1),
      // A fresh seed each run unless given; it is printed first so any run can be replayed.
      seed: integer(values.seed, 'seed', Math.floor(Math.random() * 2 ** 31), 0),
      concurrency: integer(values.concurrency, 'concurrency', 24, 1),
      pollers: integer(values.pollers, 'pollers', 4, 1),
      visibilityTimeoutSeconds: integer(values['visibility-timeout'], 'visibility-timeout', 2, 1),
      quiet: values.quiet === true,
    };
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    console.error(USAGE);
    return 2;
  }

  console.log(
    `soak: seed ${options.seed}, ${options.deliveries} deliveries ` +
      `(replay: npm run soak -- --deliveries ${options.deliveries} --seed ${options.seed})`,
  );
  const result = await runSoak({
    ...options,
    ...(!options.quiet && { progress: (line: string) => console.log(`soak: ${line}`) }),
  });
  console.log(formatReport(result));
  return result.verdict.ok ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error('soak: the run itself failed:', error);
    process.exitCode = 2;
  },
);
