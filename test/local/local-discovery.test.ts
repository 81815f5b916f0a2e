import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readInstanceFile, type LocalInstance } from '../../local/instance-file.js';
import { DEFAULT_PATHS, DEFAULT_PORTS, instanceFileFor } from '../../local/project-paths.js';
import { waitFor } from '../support/wait.js';

/**
 * `npm start` on ports of its own choosing, and the operator CLI run with no environment at all:
 * the CLI finds the pipeline through the instance file npm start writes. Both run as the user
 * runs them, as processes, and npm start with its default files (`.local/`), which it empties
 * as every start does: a local mode already running from this checkout must be stopped first.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSX = join(ROOT, 'node_modules/.bin/tsx');
const CLI = join(ROOT, 'bin/kyc-webhooks.js');
const INSTANCE_FILE = instanceFileFor(DEFAULT_PATHS.eventsFile);
const KYC_REVIEW = 'treezor:9d53754fbeca378809ceb64ce3f75d41483b808ec64026b4969d7500a7252cb3';

const dir = mkdtempSync(join(tmpdir(), 'kyc-discovery-'));
const rulesFile = join(dir, 'rules.json');
const approvals = join(dir, 'approvals.jsonl');
/** Only what finds programs: no PORT, no KYC_* variable, no AWS setting. */
const CLEAN_ENV = { PATH: process.env['PATH'] ?? '' };
/** npm start's environment: the user's, without local mode's variables, on any free ports. */
const START_ENV = {
  ...Object.fromEntries(
    Object.entries(process.env).filter(([name]) => name !== 'PORT' && !name.startsWith('KYC_')),
  ),
  PORT: '0',
  KYC_DYNAMODB_PORT: '0',
  KYC_SQS_PORT: '0',
  KYC_EVENTBRIDGE_PORT: '0',
  KYC_LOCAL_RULES: rulesFile,
};

interface Started {
  readonly child: ChildProcessWithoutNullStreams;
  readonly output: { stdout: string; stderr: string };
  readonly exited: Promise<number | null>;
}

/** npm start runs from the project's folder, as npm runs it; the CLI from anywhere. */
function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Started {
  const cwd = command === TSX ? ROOT : dir;
  const child = spawn(command, args, { cwd, env, stdio: 'pipe' });
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  return { child, output, exited };
}

async function kycWebhooks(
  ...args: string[]
): Promise<{ code: number | null } & Started['output']> {
  const started = run(process.execPath, [CLI, ...args], CLEAN_ENV);
  const code = await started.exited;
  return { code, ...started.output };
}

let npmStart: Started | undefined;
let instance: LocalInstance;

beforeAll(async () => {
  const existing = await readInstanceFile(INSTANCE_FILE);
  if (existing.state === 'live') {
    throw new Error(
      `A local mode started from this checkout is running (process ${existing.instance.pid}): ` +
        'stop it before running this test, which starts one with the default files.',
    );
  }
  writeFileSync(
    rulesFile,
    JSON.stringify([
      {
        name: 'approvals',
        eventPattern: { detail: { status: ['approved'] } },
        target: { file: approvals },
      },
    ]),
  );
  npmStart = run(TSX, [join(ROOT, 'local/main.ts')], START_ENV);
  // Java and a cold tsx can take a while on a loaded machine.
  await waitFor('npm start to be ready', () => npmStart?.output.stdout.includes('Ctrl-C'), 40_000);
  const lookup = await readInstanceFile(INSTANCE_FILE);
  if (lookup.state !== 'live') throw new Error(`no instance file: ${npmStart.output.stderr}`);
  instance = lookup.instance;
}, 60_000);

afterAll(async () => {
  if (npmStart && npmStart.child.exitCode === null) {
    npmStart.child.kill('SIGTERM');
    await npmStart.exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('npm start on free ports, the CLI with no environment', () => {
  it('npm start says what it loaded and where it describes itself', () => {
    const stdout = npmStart?.output.stdout ?? '';
    expect(stdout).toContain(`Rules        1 rule from ${rulesFile}`);
    expect(stdout).toContain(`  approvals  → ${approvals}`);
    expect(stdout).toContain('Instance     .local/instance.json');
    const port = (url: string): number => Number(new URL(url).port);
    expect(port(instance.urls.server)).not.toBe(DEFAULT_PORTS.webhooks);
    expect(port(instance.urls.dynamodb)).not.toBe(DEFAULT_PORTS.dynamodb);
    expect(port(instance.urls.eventBridge)).not.toBe(DEFAULT_PORTS.eventBridge);
  });

  it('send, history and tail find it by themselves', async () => {
    const tail = run(process.execPath, [CLI, 'tail'], CLEAN_ENV);
    await waitFor('tail to start', () => tail.output.stderr.includes('Ctrl-C to stop'), 15_000);

    const send = await kycWebhooks('send', 'treezor', 'user.kycreview');
    expect(send.code, send.stderr).toBe(0);
    expect(send.stdout).toContain(`POST ${instance.urls.server}/webhooks/treezor`);

    await waitFor('the event in tail', () => tail.output.stdout.includes(KYC_REVIEW), 15_000);
    tail.child.kill('SIGINT');
    expect(await tail.exited).toBe(0);
    expect(tail.output.stderr).toContain(`local mode, process ${instance.pid}`);

    const history = await kycWebhooks('history', 'treezor', '6461762');
    expect(history.code, history.stderr).toBe(0);
    expect(history.stdout).toContain('now approved');
    expect(history.stdout).toContain(KYC_REVIEW);

    // The rule npm start loaded received it too.
    await waitFor('the rule delivery', () => existsSync(approvals));
    expect(readFileSync(approvals, 'utf8')).toContain(KYC_REVIEW);
  });

  it('a second npm start is refused and touches nothing', async () => {
    const events = readFileSync(DEFAULT_PATHS.eventsFile, 'utf8');
    const described = readFileSync(INSTANCE_FILE, 'utf8');
    expect(events).toContain(KYC_REVIEW);

    const second = run(TSX, [join(ROOT, 'local/main.ts')], START_ENV);
    expect(await second.exited).toBe(1);
    expect(second.output.stderr).toContain(
      `local mode is already running with this events file (process ${instance.pid}`,
    );
    expect(second.output.stderr).toContain('Nothing was changed.');
    expect(readFileSync(DEFAULT_PATHS.eventsFile, 'utf8')).toBe(events);
    expect(readFileSync(INSTANCE_FILE, 'utf8')).toBe(described);
  });

  it('stopping npm start removes its instance file', async () => {
    npmStart?.child.kill('SIGTERM');
    expect(await npmStart?.exited).toBe(0);
    expect(existsSync(INSTANCE_FILE)).toBe(false);
  });
});
