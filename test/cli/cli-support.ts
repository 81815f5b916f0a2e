import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CliIo } from '../../cli/io.js';
import { runCli } from '../../cli/run.js';
import type { LocalPipeline } from '../../local/pipeline.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const FIXTURES = join(ROOT, 'test/fixtures');
export { SECRETS_FILE } from '../support/local-pipeline.js';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI in-process with captured output, as `npx kyc-webhooks …` would. */
export async function cli(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  stdin?: string,
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    stderrIsTty: false,
    env,
    readStdin: async () => stdin ?? '',
    stdinIsTty: stdin === undefined,
  };
  const code = await runCli(argv, io, { pollMs: 20 });
  return { code, stdout, stderr };
}

/**
 * A command that runs until Ctrl-C (tail), in-process: `interrupt` plays Ctrl-C and resolves with
 * its exit code; `lines` is what it printed so far.
 */
export function startInterruptible(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  options: { readonly now: Date; readonly pollMs?: number },
) {
  const controller = new AbortController();
  const output = { stdout: '', stderr: '' };
  const io: CliIo = {
    stdout: (text) => (output.stdout += text),
    stderr: (text) => (output.stderr += text),
    stderrIsTty: false,
    env,
    readStdin: async () => '',
    stdinIsTty: true,
  };
  const exit = runCli(argv, io, {
    interruption: controller.signal,
    now: () => options.now,
    ...(options.pollMs !== undefined && { pollMs: options.pollMs }),
  });
  return {
    output,
    lines: (): string[] => output.stdout.split('\n').filter((line) => line !== ''),
    async interrupt(): Promise<number> {
      controller.abort();
      return exit;
    },
  };
}

/** The environment `npm start` would have been given to run on the pipeline's ports. */
export function envFor(pipeline: LocalPipeline): Record<string, string> {
  const port = (url: string): string => new URL(url).port;
  return {
    PORT: port(pipeline.urls.server),
    KYC_DYNAMODB_PORT: port(pipeline.urls.dynamodb),
    KYC_DYNAMODB_TABLE: pipeline.tableName,
    KYC_SQS_PORT: port(pipeline.urls.sqs),
    KYC_EVENTBRIDGE_PORT: port(pipeline.urls.eventBridge),
    KYC_LOCAL_SECRETS: pipeline.secretsFile,
  };
}

export function fixture(vendor: string, name: string): string {
  return readFileSync(join(FIXTURES, vendor, `${name}.json`), 'utf8');
}

export { treezorEventId, treezorReview } from '../support/local-pipeline.js';
export { freePort } from '../support/processes.js';
export { publishedDetails, waitFor } from '../support/wait.js';
