import type { Summary } from './stats.js';

/** What a measured value is, so it is printed in a readable unit. */
export type Quantity = 'time-ns' | 'time-ms' | 'bytes' | 'count';

/** One measured case beside the floor it is divided by. */
export interface RatioRow {
  readonly label: string;
  readonly floorLabel: string;
  readonly subject: Summary;
  readonly floor: Summary;
  readonly quantity: Quantity;
}

export interface Table {
  readonly caption?: string;
  readonly headers: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

export interface Section {
  readonly title: string;
  readonly intro?: string;
  readonly ratios?: readonly RatioRow[];
  readonly tables?: readonly Table[];
  readonly notes?: readonly string[];
}

export interface Report {
  readonly title: string;
  readonly command: string;
  readonly date: string;
  readonly machine: readonly string[];
  readonly sections: readonly Section[];
  /** The headline figures, one per line, last in the report and on the console. */
  readonly summary: readonly string[];
}

export function formatQuantity(value: number, quantity: Quantity): string {
  if (!Number.isFinite(value)) return 'n/a';
  switch (quantity) {
    case 'time-ns':
      if (value < 1_000) return `${value.toFixed(0)} ns`;
      if (value < 1_000_000) return `${(value / 1_000).toFixed(value < 10_000 ? 2 : 1)} µs`;
      return `${(value / 1_000_000).toFixed(2)} ms`;
    case 'time-ms':
      return `${value.toFixed(value < 10 ? 2 : 1)} ms`;
    case 'bytes':
      if (value < 1024) return `${value.toFixed(0)} B`;
      if (value < 1024 * 1024) return `${(value / 1024).toFixed(1)} KiB`;
      return `${(value / 1024 / 1024).toFixed(2)} MiB`;
    case 'count':
      return Number.isInteger(value) ? String(value) : value.toFixed(2);
  }
}

export function formatRatio(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  if (value >= 100) return `${value.toFixed(0)}×`;
  if (value >= 10) return `${value.toFixed(1)}×`;
  return `${value.toFixed(2)}×`;
}

function spread(summary: Summary, quantity: Quantity): string {
  return `${formatQuantity(summary.median, quantity)} / ${formatQuantity(summary.p95, quantity)}`;
}

const RATIO_HEADERS = [
  'case',
  'floor (same run)',
  'ratio, median',
  'ratio, p95',
  'case median / p95',
  'floor median / p95',
  'N',
] as const;

export function ratioTable(rows: readonly RatioRow[]): Table {
  return {
    headers: RATIO_HEADERS,
    rows: rows.map((row) => [
      row.label,
      row.floorLabel,
      formatRatio(row.subject.median / row.floor.median),
      formatRatio(row.subject.p95 / row.floor.p95),
      spread(row.subject, row.quantity),
      spread(row.floor, row.quantity),
      row.subject.n === row.floor.n ? String(row.subject.n) : `${row.subject.n} / ${row.floor.n}`,
    ]),
  };
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function renderTable(table: Table): string {
  const lines: string[] = [];
  if (table.caption) lines.push(table.caption, '');
  lines.push(`| ${table.headers.map(escapeCell).join(' | ')} |`);
  lines.push(`| ${table.headers.map(() => '---').join(' | ')} |`);
  for (const row of table.rows) lines.push(`| ${row.map(escapeCell).join(' | ')} |`);
  return lines.join('\n');
}

export function renderReport(report: Report): string {
  const parts: string[] = [
    `# ${report.title}`,
    '',
    `Command: \`${report.command}\` — ${report.date}`,
    '',
    ...report.machine.map((line) => `- ${line}`),
    '',
    'Every timing is a ratio against a floor measured in the same run, samples of case and floor ' +
      'alternating; the absolute median and p95 (after warm-up) are beside it, with N samples.',
  ];
  for (const section of report.sections) {
    parts.push('', `## ${section.title}`);
    if (section.intro) parts.push('', section.intro);
    if (section.ratios && section.ratios.length > 0) {
      parts.push('', renderTable(ratioTable(section.ratios)));
    }
    for (const table of section.tables ?? []) parts.push('', renderTable(table));
    if (section.notes && section.notes.length > 0) {
      parts.push('', ...section.notes.map((note) => `- ${note}`));
    }
  }
  parts.push('', '## Summary', '', '```', ...report.summary, '```');
  return `${parts.join('\n')}\n`;
}
