/** Exit codes: scripts can tell a refused request from a mistyped command. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Something went wrong that the operator can act on; the message says how. */
export class CliError extends Error {
  override readonly name: string = 'CliError';

  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
  ) {
    super(message);
  }
}

/** The command line itself is wrong: exit code 2, and the command's usage is shown. */
export class UsageError extends CliError {
  override readonly name = 'UsageError';

  constructor(message: string) {
    super(message, EXIT.usage);
  }
}
