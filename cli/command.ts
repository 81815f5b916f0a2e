import { parseCommandArgs, type Options } from './args.js';
import { UsageError } from './errors.js';
import type { CliIo, Output } from './io.js';
import type { Target, TargetArgs } from './target.js';

export interface CommandContext {
  readonly io: CliIo;
  readonly out: Output;
  readonly now: () => Date;
  /** Resolves the target once; the runner closes its clients when the command ends. */
  target(args: TargetArgs): Promise<Target>;
  /** Pause between progress polls of a long-running AWS task. */
  readonly pollMs: number;
  /**
   * Aborted on Ctrl-C (SIGINT) or SIGTERM. Asking for it hands those signals to the command,
   * which must then end by itself: for a command that follows something until it is stopped.
   */
  interruption(): AbortSignal;
}

export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  /** Resolves with the exit code; throws a `CliError` for anything the operator must fix. */
  run(argv: readonly string[], context: CommandContext): Promise<number>;
}

/** A positional argument's name, as the usage writes it between `<>`; `?` marks it optional. */
type ArgumentName = string;

/** The positional arguments by name: the required ones always there, optional ones maybe. */
export type NamedArguments<A extends readonly ArgumentName[]> = {
  readonly [K in A[number] as K extends `${string}?` ? never : K]: string;
} & {
  readonly [K in A[number] as K extends `${infer Name}?` ? Name : never]?: string;
};

export interface CommandInput<O extends Options, A extends readonly ArgumentName[]> {
  readonly values: ReturnType<typeof parseCommandArgs<O>>['values'];
  readonly args: NamedArguments<A>;
}

export interface CommandDefinition<O extends Options, A extends readonly ArgumentName[]> {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  readonly options: O;
  /** In order, optional ones (`'id?'`) after the required ones; `[]` for a command that takes none. */
  readonly arguments: A;
  run(input: CommandInput<O, A>, context: CommandContext): Promise<number>;
}

/**
 * A command from its declaration: its options are parsed and its positional arguments checked
 * against the declared list here, once for every command, so a mistake is answered the same
 * way everywhere (a `UsageError` naming the command and what it takes).
 */
export function defineCommand<const O extends Options, const A extends readonly ArgumentName[]>(
  definition: CommandDefinition<O, A>,
): Command {
  const { name, summary, usage, options } = definition;
  const declared: readonly ArgumentName[] = definition.arguments;
  if (declared.some((arg, i) => arg.endsWith('?') && !(declared[i + 1]?.endsWith('?') ?? true))) {
    throw new Error(`${name}: a required argument cannot follow an optional one`);
  }
  return {
    name,
    summary,
    usage,
    async run(argv, context) {
      const { values, positionals } = parseCommandArgs(argv, options);
      const args = nameArguments(name, declared, positionals) as NamedArguments<A>;
      return definition.run({ values, args }, context);
    },
  };
}

function nameArguments(
  command: string,
  declared: readonly ArgumentName[],
  positionals: readonly string[],
): Record<string, string> {
  const required = declared.filter((name) => !name.endsWith('?'));
  if (positionals.length > declared.length) {
    const extra = positionals.slice(declared.length).join(' ');
    throw new UsageError(
      declared.length === 0
        ? `${command} takes no arguments: ${extra}`
        : `${command} takes ${describe(declared)}, not also: ${extra}`,
    );
  }
  if (positionals.length < required.length) {
    const missing = required.slice(positionals.length).map((name) => `<${name}>`);
    throw new UsageError(`${command} needs ${describe(declared)}; missing ${missing.join(' ')}`);
  }
  const named: Record<string, string> = {};
  positionals.forEach((value, i) => {
    named[(declared[i] ?? '').replace(/\?$/, '')] = value;
  });
  return named;
}

/** `<vendor> <subject-id>`, optional ones in brackets: `<vendor> [<subject-id>]`. */
function describe(declared: readonly ArgumentName[]): string {
  return declared
    .map((name) => (name.endsWith('?') ? `[<${name.slice(0, -1)}>]` : `<${name}>`))
    .join(' ');
}
