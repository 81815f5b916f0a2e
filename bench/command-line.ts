import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Mode } from './config.js';

/**
 * What `npm run bench` and `npm run load` share on the command line: the options they both take
 * and their progress lines.
 */

/** The options both take, beside a command's own. */
const RUN_OPTIONS = {
  quick: { type: 'boolean' },
  smoke: { type: 'boolean' },
  out: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * `--quick` (a fast look) or `--smoke` (each case once; what the test suite runs), `--out <file>`
 * and the command's own `options`. `--help` prints `usage` and exits 0; anything else is refused
 * with the usage.
 */
export function parseRunArgs<const O extends Options>(
  argv: readonly string[],
  usage: string,
  options: O,
) {
  const { values } = parseOrExplain(usage, () =>
    parseArgs({ args: [...argv], options: { ...options, ...RUN_OPTIONS }, strict: true }),
  );
  // The shared options, whatever the command's own are.
  const run = values as { quick?: boolean; smoke?: boolean; help?: boolean };
  if (run.help) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  const mode: Mode = run.smoke ? 'smoke' : run.quick ? 'quick' : 'default';
  return { mode, values };
}

/** Progress lines on stderr, each after `program` and the seconds since the run started. */
export function progressOnStderr(program: string): {
  progress: (line: string) => void;
  seconds: () => number;
} {
  const started = Date.now();
  const seconds = (): number => (Date.now() - started) / 1000;
  return {
    progress: (line) => process.stderr.write(`${program}: [${seconds().toFixed(1)} s] ${line}\n`),
    seconds,
  };
}

function parseOrExplain<T>(usage: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${usage}`, {
      cause: error,
    });
  }
}
