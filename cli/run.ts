import { ConfigurationError } from '../lambdas/core/errors.js';
import { SendError } from '../local/send-delivery.js';
import { PROGRAM, type Command, type CommandContext } from './command.js';
import { deliveriesCommand } from './commands/deliveries.js';
import { historyCommand } from './commands/history.js';
import { reconcileCommand } from './commands/reconcile.js';
import { redriveCommand } from './commands/redrive.js';
import { replayCommand } from './commands/replay.js';
import { secretsCommand } from './commands/secrets.js';
import { sendCommand } from './commands/send.js';
import { tailCommand } from './commands/tail.js';
import { verifyCommand } from './commands/verify.js';
import { CliError, EXIT, UsageError } from './errors.js';
import { explainAwsError } from './explain.js';
import { Output, type CliIo } from './io.js';
import { resolveTarget, type Target } from './target.js';

export const COMMANDS: readonly Command[] = [
  sendCommand,
  verifyCommand,
  historyCommand,
  deliveriesCommand,
  tailCommand,
  replayCommand,
  redriveCommand,
  reconcileCommand,
  secretsCommand,
];

const NAME_WIDTH = Math.max(...COMMANDS.map((command) => command.name.length));

export const USAGE = [
  `Usage: npx ${PROGRAM} <command> [options]     (same as: npm run cli -- <command> [options])`,
  '',
  'Operate the KYC webhook pipeline, in local mode (npm start) or a deployed stack.',
  '',
  'Commands:',
  ...COMMANDS.map((command) => `  ${command.name.padEnd(NAME_WIDTH)} ${command.summary}`),
  '',
  `Run npx ${PROGRAM} <command> --help for a command's options.`,
  'Exit codes: 0 done, 1 failed or refused (the message says what to do), 2 wrong usage.',
].join('\n');

export interface RunOptions {
  readonly now?: () => Date;
  /** Pause between progress polls (redrive); tests shorten it. */
  readonly pollMs?: number;
  /** Stands for Ctrl-C (tests); by default the process's SIGINT and SIGTERM. */
  readonly interruption?: AbortSignal;
}

/**
 * A usage mistake gets the command's synopsis and where its options are, not the whole page:
 * the mistake stays on screen above it.
 */
export function shortUsage(command: Command): string {
  const [synopsis = ''] = command.usage.split('\n');
  return `${synopsis}\nRun npx ${PROGRAM} ${command.name} --help for its options.`;
}

/** The whole CLI, in-process: parses `argv` (without node and script), returns the exit code. */
export async function runCli(
  argv: readonly string[],
  io: CliIo,
  options: RunOptions = {},
): Promise<number> {
  const out = new Output(io);
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const command = COMMANDS.find((c) => c.name === rest[0]);
    out.line(command ? command.usage : USAGE);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    const names = COMMANDS.map((c) => c.name).join(', ');
    out.note(
      `Unknown command "${name}". Commands: ${names}.\nRun npx ${PROGRAM} --help for what each does.`,
    );
    return EXIT.usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    out.line(command.usage);
    return EXIT.ok;
  }

  let target: Target | undefined;
  let stopListening = (): void => undefined;
  const context: CommandContext = {
    io,
    out,
    now: options.now ?? (() => new Date()),
    pollMs: options.pollMs ?? 1_000,
    async target(args) {
      target ??= await resolveTarget(args, io.env, (text) => out.note(text));
      return target;
    },
    interruption() {
      if (options.interruption) return options.interruption;
      const controller = new AbortController();
      const interrupt = (): void => controller.abort();
      process.once('SIGINT', interrupt);
      process.once('SIGTERM', interrupt);
      stopListening = () => {
        process.off('SIGINT', interrupt);
        process.off('SIGTERM', interrupt);
      };
      return controller.signal;
    },
  };
  try {
    return await command.run(rest, context);
  } catch (error) {
    if (error instanceof UsageError) {
      out.note(`${error.message}\n${shortUsage(command)}`);
      return error.exitCode;
    }
    if (error instanceof CliError) {
      out.note(error.message);
      return error.exitCode;
    }
    if (error instanceof SendError || error instanceof ConfigurationError) {
      out.note(error.message);
      return EXIT.failed;
    }
    const explained = explainAwsError(error, target);
    out.note(
      explained ??
        `Unexpected error: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
    );
    return EXIT.failed;
  } finally {
    stopListening();
    target?.destroy();
  }
}
