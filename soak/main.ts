import { parseArgs } from 'node:util';
import { formatReport } from './report.js';
import { runSoak } from './run-soak.js';

/**
 * `npm run soak [-- --deliveries N] [--seed S]`: the pipeline's promises under faults, as
 * figures. Exits 1 when an acknowledged delivery was lost, an event stored twice, a subject
 * regressed, or a duplicate publication has no allowed cause; 2 on a usage error.
 */

/** A whole-number option: what the usage calls its value, its default and its least value. */
interface WholeNumber {
  readonly placeholder: string;
  readonly fallback: () => number;
  readonly min: number;
}

const WHOLE_NUMBERS = {
  deliveries: { placeholder: 'N', fallback: () => 10_000, min: 1 },
  // A fresh seed each run unless given; it is printed first so any run can be replayed.
  seed: { placeholder: 'S', fallback: () => Math.floor(Math.random() * 2 ** 31), min: 0 },
  concurrency: { placeholder: 'C', fallback: () => 24, min: 1 },
  pollers: { placeholder: 'P', fallback: () => 4, min: 1 },
  'visibility-timeout': { placeholder: 'SECONDS', fallback: () => 2, min: 1 },
} as const satisfies Readonly<Record<string, WholeNumber>>;

type WholeNumberName = keyof typeof WHOLE_NUMBERS;

const USAGE = `Usage: npm run soak -- ${Object.entries(WHOLE_NUMBERS)
  .map(([name, { placeholder }]) => `[--${name} ${placeholder}]`)
  .join(' ')} [--quiet]`;

/** The run's options, or `undefined` when only the usage is asked for. */
function parseOptions(argv: readonly string[]) {
  const names = Object.keys(WHOLE_NUMBERS) as WholeNumberName[];
  const { values } = parseArgs({
    args: [...argv],
    options: {
      ...Object.fromEntries(names.map((name) => [name, { type: 'string' } as const])),
      quiet: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return undefined;
  const given: Readonly<Record<string, unknown>> = values;
  const whole = (name: WholeNumberName): number => {
    const { fallback, min } = WHOLE_NUMBERS[name];
    const value = given[name];
    if (typeof value !== 'string') return fallback();
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < min) {
      throw new Error(`--${name} must be an integer of at least ${min}, not "${value}"`);
    }
    return parsed;
  };
  return {
    deliveries: whole('deliveries'),
    seed: whole('seed'),
    concurrency: whole('concurrency'),
    pollers: whole('pollers'),
    visibilityTimeoutSeconds: whole('visibility-timeout'),
    quiet: values.quiet === true,
  };
}

async function main(): Promise<number> {
  let options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    console.error(USAGE);
    return 2;
  }
  if (options === undefined) {
    console.log(USAGE);
    return 0;
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
