import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { renderReport } from './report.js';
import { runBench } from './run-bench.js';
import { parseRunArgs, progressOnStderr } from './command-line.js';

/**
 * `npm run bench` (about two minutes), `npm run bench -- --quick` (a fast look), or
 * `--smoke` (each case once). Prints the report and writes it to bench/RESULTS.md, or to
 * `--out <file>`.
 */

const DEFAULT_OUT = fileURLToPath(new URL('./RESULTS.md', import.meta.url));

const USAGE =
  'Usage: npm run bench -- [--quick | --smoke] [--out <file>]\n' +
  'Measures vendor verification, the ingest handler, cold starts, processor throughput and the ' +
  'cost per million webhooks, every timing as a ratio against a floor measured in the same run; ' +
  'writes the report to bench/RESULTS.md (or --out <file>).';

const { mode, values } = parseRunArgs(process.argv.slice(2), USAGE, {});
const out = values.out ?? DEFAULT_OUT;
const command = mode === 'default' ? 'npm run bench' : `npm run bench -- --${mode}`;
const { progress, seconds } = progressOnStderr('bench');
const report = await runBench({ mode, command, progress });
// Formatted as the repository formats markdown, so `npm run lint` accepts the results file.
const markdown = await format(renderReport(report), {
  ...(await resolveConfig(out)),
  parser: 'markdown',
});
writeFileSync(out, markdown);
process.stdout.write(markdown);
// The headline figures last, as plain lines (the README's Performance section quotes them).
process.stdout.write(`\n${report.summary.join('\n')}\n`);
process.stderr.write(`bench: done in ${seconds().toFixed(0)} s; written to ${out}\n`);
