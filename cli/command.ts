import type { Vendor } from '../lambdas/core/vendor.js';
import { findVendor, VENDORS } from '../lambdas/vendors/registry.js';
import { parseCommandArgs, TARGET_OPTIONS } from './args.js';
import { UsageError } from './errors.js';
import type { CliIo, Output } from './io.js';
import { describeOptions, type OptionDeclaration, type OptionDeclarations } from './options.js';
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
 * `--vendor V` (checked against the registry) and `--json` (machine-readable output). A command
 * takes one by spreading `sharedOption(…)` among its own options, where its usage lists it.
 */
const SHARED_OPTIONS = {
  vendor: { type: 'string', value: 'V', help: "only this vendor's events" },
  json: { type: 'boolean', help: 'machine-readable output' },
} as const satisfies OptionDeclarations;

type SharedOption = keyof typeof SHARED_OPTIONS;

/**
 * A shared option, with the help that says what it does in this command (else the usual one),
 * and where the usage's groups begin or end around it.
 */
export function sharedOption<const K extends SharedOption>(
  name: K,
  help?: string,
  place: Pick<OptionDeclaration, 'heading' | 'note'> = {},
): { readonly [P in K]: Shared<P> } {
  const option: OptionDeclaration = {
    ...SHARED_OPTIONS[name],
    ...(help !== undefined && { help }),
    ...place,
  };
  return { [name]: option } as { readonly [P in K]: Shared<P> };
}

/** A shared option as a command takes it: parsed as declared here, its help its own. */
type Shared<K extends SharedOption> = Omit<(typeof SHARED_OPTIONS)[K], 'help'> &
  Pick<OptionDeclaration, 'help' | 'heading' | 'note'>;

/** The options a command parses: its own, and the target's if it acts on one. */
type AllOptions<O extends OptionDeclarations, T extends boolean> = O &
  (T extends true ? typeof TARGET_OPTIONS : unknown);

/** The vendor a command names: its `<vendor>` argument, else its `--vendor` option if given. */
type NamedVendor<
  O extends OptionDeclarations,
  A extends readonly ArgumentName[],
> = 'vendor' extends A[number] ? Vendor : 'vendor' extends keyof O ? Vendor | undefined : undefined;

export interface CommandInput<
  O extends OptionDeclarations,
  A extends readonly ArgumentName[],
  T extends boolean = false,
> {
  readonly values: ReturnType<typeof parseCommandArgs<AllOptions<O, T>>>['values'];
  readonly args: NamedArguments<A>;
  /** The vendor of the registry that `<vendor>` or `--vendor` names, checked before `run`. */
  readonly vendor: NamedVendor<O, A>;
}

export interface CommandDefinition<
  O extends OptionDeclarations,
  A extends readonly ArgumentName[],
  T extends boolean,
> {
  readonly name: string;
  readonly summary: string;
  /** The synopsis and what the command does; its options are explained after it. */
  readonly usage: string;
  /** Its options, in the order its usage explains them, each with its help. */
  readonly options: O;
  /** What the usage says after the options, if anything. */
  readonly notes?: string;
  /** It acts on the pipeline: takes the target options, explained after its own. */
  readonly target?: T;
  /**
   * In order, optional ones (`'id?'`) after the required ones; none when absent. One named
   * `vendor` must name a vendor of the registry.
   */
  readonly arguments?: A;
  /** Shown last in the usage, each after `npx kyc-webhooks <command>`: its arguments and options. */
  readonly examples?: readonly string[];
  run(input: CommandInput<O, A, T>, context: CommandContext): Promise<number>;
}

/**
 * A command from its declaration: its options are parsed and its positional arguments checked
 * against the declared list here, once for every command, so a mistake is answered the same
 * way everywhere (a `UsageError` naming the command and what it takes).
 */
export function defineCommand<
  const O extends OptionDeclarations,
  const A extends readonly ArgumentName[] = [],
  const T extends boolean = false,
>(definition: CommandDefinition<O, A, T>): Command {
  const { name, summary, notes, examples = [] } = definition;
  const declared: readonly ArgumentName[] = definition.arguments ?? [];
  if (declared.some((arg, i) => arg.endsWith('?') && !(declared[i + 1]?.endsWith('?') ?? true))) {
    throw new Error(`${name}: a required argument cannot follow an optional one`);
  }
  if (declared.includes('vendor') && 'vendor' in definition.options) {
    throw new Error(`${name}: a vendor is named by its argument or by --vendor, not both`);
  }
  const target = definition.target === true;
  const options = { ...definition.options, ...(target && TARGET_OPTIONS) } as AllOptions<O, T>;
  const usage = [
    definition.usage,
    ...(Object.keys(definition.options).length > 0 ? [describeOptions(definition.options)] : []),
    ...(notes === undefined ? [] : [notes]),
    ...(target ? [describeOptions(TARGET_OPTIONS)] : []),
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
      return definition.run({ values, args, vendor: vendor as NamedVendor<O, A> }, context);
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
