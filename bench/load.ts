import { writeFileSync } from 'node:fs';
import { renderLoad } from './load-report.js';
import { runLoad } from './load-run.js';
import { parseRunArgs, progressOnStderr } from './command-line.js';

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

const { mode, values } = parseRunArgs(process.argv.slice(2), USAGE, {
  processors: { type: 'string' },
});
const { out } = values;
const processors = values.processors === undefined ? 1 : Number(values.processors);
const { progress } = progressOnStderr('load');
const result = await runLoad({ mode, processors, progress });
const report = renderLoad(result);
if (out !== undefined) writeFileSync(out, report);
process.stdout.write(report);
