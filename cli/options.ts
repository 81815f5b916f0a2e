import type { ParseArgsConfig } from 'node:util';

type ParserOption = NonNullable<ParseArgsConfig['options']>[string];

/**
 * An option, declared once: how `parseArgs` reads it and how the usage explains it.
 * The usage lists options in the order they are declared.
 */
export interface OptionDeclaration {
  readonly type: ParserOption['type'];
  readonly multiple?: boolean;
  /** The placeholder the usage shows after the flag (`--since T`); none for a boolean. */
  readonly value?: string;
  /**
   * What it does, as the usage shows it; its line breaks are kept, each continuation line
   * indented to the help column. Absent: the option shares the line of the one declared after
   * it (`--since T, --until T`), whose help covers both.
   */
  readonly help?: string;
  /** Printed on its own line(s) before it, at the margin: a group's title, or '' for a gap. */
  readonly heading?: string;
  /** Printed after it, at the margin: what the options above it do together. */
  readonly note?: string;
}

export type OptionDeclarations = Readonly<Record<string, OptionDeclaration>>;

/** What `parseArgs` is given: the declarations without their usage fields. */
export function parserOptions(
  options: OptionDeclarations,
): NonNullable<ParseArgsConfig['options']> {
  return Object.fromEntries(
    Object.entries(options).map(([name, { type, multiple }]) => [
      name,
      { type, ...(multiple !== undefined && { multiple }) },
    ]),
  );
}

interface Row {
  readonly heading: string | undefined;
  readonly label: string;
  readonly help: string;
  readonly note: string | undefined;
}

/**
 * The usage's options section, written from the declarations: one line per option (or per
 * options sharing a help), each `--flag V` padded to one column, the help beside it.
 */
export function describeOptions(options: OptionDeclarations): string {
  const rows: Row[] = [];
  let waiting: { flags: string[]; heading: string | undefined } | undefined;
  for (const [name, option] of Object.entries(options)) {
    const flags = [...(waiting?.flags ?? []), flagOf(name, option)];
    const heading = waiting?.heading ?? option.heading;
    if (option.help === undefined) {
      waiting = { flags, heading };
      continue;
    }
    rows.push({ heading, label: flags.join(', '), help: option.help, note: option.note });
    waiting = undefined;
  }
  if (waiting !== undefined) {
    throw new Error(`${waiting.flags.join(', ')}: no help, and no option after it to share one`);
  }
  const column = Math.max(0, ...rows.map((row) => row.label.length)) + 2;
  const indent = ' '.repeat(2 + column);
  return rows
    .flatMap(({ heading, label, help, note }) => [
      ...(heading === undefined ? [] : [heading]),
      help
        .split('\n')
        .map((line, i) => (i === 0 ? `  ${label.padEnd(column)}${line}` : `${indent}${line}`))
        .join('\n'),
      ...(note === undefined ? [] : [note]),
    ])
    .join('\n');
}

function flagOf(name: string, { value }: OptionDeclaration): string {
  return value === undefined ? `--${name}` : `--${name} ${value}`;
}
