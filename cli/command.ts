import type { Vendor } from '../lambdas/core/vendor.js';
import { findVendor, VENDORS } from '../lambdas/vendors/registry.js';
import { parseCommandArgs, TARGET_OPTIONS, TARGET_USAGE, type Options } from './args.js';
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

/** The CLI as the operator types it: `npx kyc-webhooks <command>`. */
export const PROGRAM = 'kyc-webhooks';

/** A positional argument's name, as the usage writes it between `<>`; `?` marks it optional. */
type ArgumentName = string;

/** The positional arguments by name: the required ones always there, optional ones maybe. */
export type NamedArguments<A extends readonly ArgumentName[]> = {
  readonly [K in A[number] as K extends `${string}?` ? never : K]: string;
} & {
  readonly [K in A[number] as K extends `${infer Name}?` ? Name : never]?: string;
};

/**
 * Options that mean the same in every command that takes them, declared here once:
 * `target` (where it acts: `--local`, `--stack`, `--outputs`, `--profile`, `--region`, whose
 * usage follows the command's own), `vendor` (`--vendor V`, checked against the registry) and
 * `json` (`--json`, machine-readable output).
 */
const SHARED_OPTIONS = {
  target: TARGET_OPTIONS,
  vendor: { vendor: { type: 'string' } },
  json: { json: { type: 'boolean' } },
} as const;

type SharedOption = keyof typeof SHARED_OPTIONS;

/** The options a command parses: its own and the shared ones it takes. */
type AllOptions<O extends Options, S extends SharedOption> = O &
  ('target' extends S ? (typeof SHARED_OPTIONS)['target'] : unknown) &
  ('vendor' extends S ? (typeof SHARED_OPTIONS)['vendor'] : unknown) &
  ('json' extends S ? (typeof SHARED_OPTIONS)['json'] : unknown);

/** The vendor a command names: its `<vendor>` argument, else its `--vendor` option if given. */
type NamedVendor<
  A extends readonly ArgumentName[],
  S extends SharedOption,
> = 'vendor' extends A[number] ? Vendor : 'vendor' extends S ? Vendor | undefined : undefined;

export interface CommandInput<
  O extends Options,
  A extends readonly ArgumentName[],
  S extends SharedOption = never,
> {
  readonly values: ReturnType<typeof parseCommandArgs<AllOptions<O, S>>>['values'];
  readonly args: NamedArguments<A>;
  /** The vendor of the registry that `<vendor>` or `--vendor` names, checked before `run`. */
  readonly vendor: NamedVendor<A, S>;
}

export interface CommandDefinition<
  O extends Options,
  A extends readonly ArgumentName[],
  S extends SharedOption,
> {
  readonly name: string;
  readonly summary: string;
  /** The synopsis, what the command does and its own options; the rest of the page follows. */
  readonly usage: string;
  readonly options: O;
  /** The shared options it takes (see `SHARED_OPTIONS`). */
  readonly shared?: readonly S[];
  /**
   * In order, optional ones (`'id?'`) after the required ones; none when absent. One named
   * `vendor` must name a vendor of the registry.
   */
  readonly arguments?: A;
  /** Shown last in the usage, each after `npx kyc-webhooks <command>`: its arguments and options. */
  readonly examples?: readonly string[];
  run(input: CommandInput<O, A, S>, context: CommandContext): Promise<number>;
}

/**
 * A command from its declaration: its options are parsed and its positional arguments checked
 * against the declared list here, once for every command, so a mistake is answered the same
 * way everywhere (a `UsageError` naming the command and what it takes).
 */
export function defineCommand<
  const O extends Options,
  const A extends readonly ArgumentName[] = [],
  const S extends SharedOption = never,
>(definition: CommandDefinition<O, A, S>): Command {
  const { name, summary, shared = [], examples = [] } = definition;
  const declared: readonly ArgumentName[] = definition.arguments ?? [];
  if (declared.some((arg, i) => arg.endsWith('?') && !(declared[i + 1]?.endsWith('?') ?? true))) {
    throw new Error(`${name}: a required argument cannot follow an optional one`);
  }
  if (declared.includes('vendor') && shared.includes('vendor' as S)) {
    throw new Error(`${name}: a vendor is named by its argument or by --vendor, not both`);
  }
  const options = Object.assign(
    {},
    definition.options,
    ...shared.map((option) => SHARED_OPTIONS[option]),
  ) as AllOptions<O, S>;
  const usage = [
    definition.usage,
    ...(shared.includes('target' as S) ? [TARGET_USAGE] : []),
    ...(examples.length === 0
      ? []
      : [
          `Example${examples.length === 1 ? '' : 's'}:\n` +
            examples.map((example) => `  npx ${PROGRAM} ${name} ${example}`.trimEnd()).join('\n'),
        ]),
  ].join('\n\n');
  return {
    name,
    summary,
    usage,
    async run(argv, context) {
      const { values, positionals } = parseCommandArgs(argv, options);
      const named = nameArguments(name, declared, positionals);
      const vendorId = named['vendor'] ?? (values as { vendor?: string }).vendor;
      const vendor = vendorId === undefined ? undefined : requireVendor(vendorId);
      const args = named as NamedArguments<A>;
      return definition.run({ values, args, vendor: vendor as NamedVendor<A, S> }, context);
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

function requireVendor(id: string): Vendor {
  const vendor = findVendor(id);
  if (!vendor) {
    throw new UsageError(`Unknown vendor "${id}". Vendors: ${VENDORS.map((v) => v.id).join(', ')}`);
  }
  return vendor;
}
