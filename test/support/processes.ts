import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

/** The project's commands as child processes, and a port to find nothing on. */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The project's `tsx` running `args` in the project root, `env` laid over this process's. */
export function spawnTsx(
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): ChildProcessByStdio<null, Readable, Readable> {
  return spawn(join(ROOT, 'node_modules/.bin/tsx'), args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs `tsx args` to its end, with what it printed. */
export function runTsx(
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawnTsx(args, env);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * What `npm start` runs (`tsx local/main.ts`, without npm so a signal reaches it), every engine
 * on a free port, with `env` added.
 */
export function spawnNpmStart(
  env: Readonly<Record<string, string>>,
): ChildProcessByStdio<null, Readable, Readable> {
  return spawnTsx(['local/main.ts'], {
    PORT: '0',
    KYC_DYNAMODB_PORT: '0',
    KYC_SQS_PORT: '0',
    KYC_EVENTBRIDGE_PORT: '0',
    ...env,
  });
}

/** A loopback port nothing listens on. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
