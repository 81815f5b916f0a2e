/**
 * Everything the CLI reads from or writes to its process, so `runCli` can run in-process in tests
 * with captured output. Results go to stdout; progress, notes and errors to stderr, so
 * `--json` output stays machine-readable.
 */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Whether stderr is a terminal: progress then rewrites one line instead of adding lines. */
  readonly stderrIsTty: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The whole of standard input (for `secrets --write` without `--file`). */
  readonly readStdin: () => Promise<string>;
  readonly stdinIsTty: boolean;
}

/**
 * The SDK's notice that its 2027 releases need Node 22 is about the toolchain, which the README
 * states; repeated on every command it would bury the answer.
 */
export function quietSdkNodeNotice(): void {
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
}

export function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    stderrIsTty: process.stderr.isTTY === true,
    env: process.env,
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    stdinIsTty: process.stdin.isTTY === true,
  };
}

/** Line-oriented writers over a `CliIo`, plus a progress line. */
export class Output {
  #progressShown = false;

  constructor(private readonly io: CliIo) {}

  line(text = ''): void {
    this.#endProgress();
    this.io.stdout(`${text}\n`);
  }

  note(text: string): void {
    this.#endProgress();
    this.io.stderr(`${text}\n`);
  }

  /** Counts as a long operation goes: one rewritten line on a terminal, else one line each. */
  progress(text: string): void {
    if (this.io.stderrIsTty) {
      this.io.stderr(`\r\x1b[2K${text}`);
      this.#progressShown = true;
    } else {
      this.io.stderr(`${text}\n`);
    }
  }

  json(value: unknown): void {
    this.line(JSON.stringify(value, null, 2));
  }

  #endProgress(): void {
    if (this.#progressShown) this.io.stderr('\n');
    this.#progressShown = false;
  }
}
