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
