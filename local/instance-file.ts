import { readFileSync, rmSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { LocalPipeline } from './pipeline.js';

/**
 * The instance file: what a running `npm start` says about itself once it is ready (its URLs,
 * table, files and process id), so the operator CLI finds it whatever its ports, and a second
 * start finds it running before it touches anything. Removed on a clean stop; a file left by a
 * process that is gone (killed, crashed) is stale and ignored.
 */

/** What a running pipeline tells the CLI: its own description, less what the CLI derives. */
export interface LocalInstance extends Pick<
  LocalPipeline,
  'tableName' | 'eventBusName' | 'eventsFile' | 'secretsFile'
> {
  /** The delivery log; an instance file written before it existed has none (it is beside the events file). */
  readonly deliveriesFile?: string;
  readonly pid: number;
  readonly startedAt: string;
  readonly urls: Pick<
    LocalPipeline['urls'],
    'server' | 'dynamodb' | 'sqs' | 'eventBridge' | 'queue' | 'deadLetterQueue'
  >;
}

export type InstanceLookup =
  | { readonly state: 'none' }
  | { readonly state: 'live'; readonly instance: LocalInstance }
  /** Left by a process that is gone, or not an instance file at all: `why` says which. */
  | { readonly state: 'stale'; readonly why: string };

export async function readInstanceFile(file: string): Promise<InstanceLookup> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'none' };
    throw error;
  }
  return judge(text);
}

function judge(text: string): InstanceLookup {
  let instance: unknown;
  try {
    instance = JSON.parse(text);
  } catch {
    return { state: 'stale', why: 'it is not JSON' };
  }
  if (!isInstance(instance)) return { state: 'stale', why: 'it is not an instance file' };
  if (!isRunning(instance.pid)) {
    return {
      state: 'stale',
      why:
        `process ${instance.pid}, which wrote it at ${instance.startedAt}, is gone ` +
        '(it did not stop cleanly)',
    };
  }
  return { state: 'live', instance };
}

/** Written whole or not at all (a rename), so a reader never sees half a file. */
export async function writeInstanceFile(file: string, instance: LocalInstance): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const partial = `${file}.${instance.pid}.tmp`;
  await writeFile(partial, `${JSON.stringify(instance, null, 2)}\n`, 'utf8');
  await rename(partial, file);
}

/** Removes the file if it still describes process `pid`: never another instance's. */
export async function removeInstanceFile(file: string, pid: number): Promise<void> {
  if (describes(file, pid)) await rm(file, { force: true });
}

/** For `process.on('exit')`, where only synchronous work runs. */
export function removeInstanceFileSync(file: string, pid: number): void {
  if (describes(file, pid)) rmSync(file, { force: true });
}

function describes(file: string, pid: number): boolean {
  try {
    const instance: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return isInstance(instance) && instance.pid === pid;
  } catch {
    return false;
  }
}

/** Signal 0 checks that the process exists without touching it; EPERM: it exists, not ours. */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isInstance(value: unknown): value is LocalInstance {
  if (typeof value !== 'object' || value === null) return false;
  const { pid, startedAt, urls, tableName, eventBusName, eventsFile, deliveriesFile, secretsFile } =
    value as Record<string, unknown>;
  const url = (name: string): boolean =>
    typeof (urls as Record<string, unknown> | null)?.[name] === 'string';
  return (
    Number.isInteger(pid) &&
    (pid as number) > 0 &&
    typeof startedAt === 'string' &&
    typeof urls === 'object' &&
    ['server', 'dynamodb', 'sqs', 'eventBridge', 'queue', 'deadLetterQueue'].every(url) &&
    typeof tableName === 'string' &&
    typeof eventBusName === 'string' &&
    typeof eventsFile === 'string' &&
    (deliveriesFile === undefined || typeof deliveriesFile === 'string') &&
    typeof secretsFile === 'string'
  );
}
