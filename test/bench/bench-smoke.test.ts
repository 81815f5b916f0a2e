import { describe, expect, it } from 'vitest';
import { HANDLER_BUNDLES } from '../../bench/bundles.js';
import { renderReport } from '../../bench/report.js';
import { runBench } from '../../bench/run-bench.js';
import { dynamodbEndpoint } from '../support/local-pipeline.js';

/**
 * The bench harness end to end with one sample of every case: it must run, and produce a
 * well-formed report. No timing is asserted: figures belong in bench/RESULTS.md, as ratios.
 */

/** Cells of a markdown table row; `\|` inside a cell is not a separator. */
function cells(line: string): string[] {
  return line
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split(/(?<!\\)\|/);
}

describe('bench harness (smoke mode)', () => {
  it('runs each case once and renders a well-formed report', async () => {
    const report = await runBench({
      mode: 'smoke',
      command: 'npm run bench -- --smoke',
      dynamodbEndpoint: dynamodbEndpoint(),
    });

    expect(report.sections.map((s) => s.title.split(' ')[0])).toEqual([
      '1.',
      '2.',
      '3.',
      '4a.',
      '4b.',
      '5.',
      'README-ready:',
    ]);
    const ratios = report.sections.flatMap((s) => s.ratios ?? []);
    // 7 verification cases, 4 ingest cases, an import time, an import CPU time and a memory row
    // per function bundle (each vendor's ingest, the processor, the token endpoint), 2 throughput
    // rows.
    expect(ratios).toHaveLength(7 + 4 + 3 * HANDLER_BUNDLES.length + 2);
    for (const row of ratios) {
      for (const summary of [row.subject, row.floor]) {
        expect(summary.n).toBe(1);
        expect(Number.isFinite(summary.median) && summary.median > 0).toBe(true);
      }
    }

    const markdown = renderReport(report);
    const lines = markdown.split('\n');
    let width: number | undefined;
    for (const line of lines) {
      if (!line.startsWith('|')) {
        width = undefined;
        continue;
      }
      const count = cells(line).length;
      width ??= count;
      expect(count).toBe(width);
    }
    expect(markdown).toContain('**Total per million webhooks**');
    // The headline lines the README quotes, in this order and these words, last in the report.
    const headline = [
      /^writes: treezor-2kb-new \d+ WRU \(table\+index\)$/,
      /^cost: treezor-2kb-new default \$\d+\.\d\d per million$/,
      /^cost: monthly at 100k webhooks default \$\d+\.\d\d$/,
      /^processor: treezor new event \d+\.\d\d× the engine's conditional put of the same item$/,
    ];
    expect(report.summary).toHaveLength(headline.length);
    report.summary.forEach((line, i) => expect(line).toMatch(headline[i]!));
    expect(markdown.trimEnd().endsWith(`${report.summary.join('\n')}\n\`\`\``)).toBe(true);
    expect(markdown).not.toMatch(/NaN|undefined|Infinity/);
  }, 60_000);
});
