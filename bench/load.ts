import { writeFileSync } from 'node:fs';
import type { LoadMode } from './load-config.js';
import { renderLoad } from './load-report.js';
import { runLoad } from './load-run.js';

/**
 * `npm run load` (a few minutes), `npm run load -- --quick` (about a minute), `--smoke` (seconds;
 * what the test suite runs). `--processors N` runs N processor instances instead of local
 * mode's one; `--out <file>` also writes the report there. The report goes to stdout, its last
 * line the figure; progress goes to stderr.
 */

const USAGE =
  'Usage: npm run load -- [--quick | --smoke] [--processors N] [--out <file>]\n' +
  'Starts the whole local pipeline, ramps concurrent clients to find where throughput stops ' +
  'rising, confirms the highest rate that is acknowledged and published with a flat backlog, ' +
  'and names the stage that saturates first.';

function parseArgs(argv: readonly string[]): { mode: LoadMode; processors: number; out?: string } {
  let mode: LoadMode = 'default';
  let processors = 1;
  let out: string | undefined;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--quick') mode = 'quick';
    else if (arg === '--smoke') mode = 'smoke';
    else if (arg === '--processors') processors = Number(argv[(i += 1)]);
    else if (arg === '--out' && argv[i + 1] !== undefined) out = argv[(i += 1)];
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else throw new Error(`Unknown argument ${arg}\n${USAGE}`);
  }
  return { mode, processors, ...(out !== undefined && { out }) };
}

const { mode, processors, out } = parseArgs(process.argv.slice(2));
const started = Date.now();
const result = await runLoad({
  mode,
  processors,
  progress: (line) =>
    process.stderr.write(`load: [${((Date.now() - started) / 1000).toFixed(1)} s] ${line}\n`),
});
const report = renderLoad(result);
if (out !== undefined) writeFileSync(out, report);
process.stdout.write(report);
