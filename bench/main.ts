import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import type { Mode } from './config.js';
import { renderReport } from './report.js';
import { runBench } from './run-bench.js';

/**
 * `npm run bench` (about two minutes), `npm run bench -- --quick` (a fast look), or
 * `--smoke` (each case once). Prints the report and writes it to bench/RESULTS.md, or to
 * `--out <file>`.
 */

const DEFAULT_OUT = fileURLToPath(new URL('./RESULTS.md', import.meta.url));

function parseArgs(argv: readonly string[]): { mode: Mode; out: string } {
  let mode: Mode = 'default';
  let out = DEFAULT_OUT;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--quick') mode = 'quick';
    else if (arg === '--smoke') mode = 'smoke';
    else if (arg === '--out' && argv[i + 1] !== undefined) out = argv[(i += 1)] ?? out;
    else throw new Error(`Unknown argument ${arg}; expected --quick, --smoke or --out <file>`);
  }
  return { mode, out };
}

const { mode, out } = parseArgs(process.argv.slice(2));
const command = mode === 'default' ? 'npm run bench' : `npm run bench -- --${mode}`;
const started = Date.now();
const report = await runBench({
  mode,
  command,
  progress: (line) =>
    process.stderr.write(`bench: [${((Date.now() - started) / 1000).toFixed(1)} s] ${line}\n`),
});
// Formatted as the repository formats markdown, so `npm run lint` accepts the results file.
const markdown = await format(renderReport(report), {
  ...(await resolveConfig(out)),
  parser: 'markdown',
});
writeFileSync(out, markdown);
process.stdout.write(markdown);
// The headline figures last, as plain lines (the README's Performance section quotes them).
process.stdout.write(`\n${report.summary.join('\n')}\n`);
process.stderr.write(
  `bench: done in ${((Date.now() - started) / 1000).toFixed(0)} s; written to ${out}\n`,
);
