import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readInstanceFile } from '../../local/instance-file.js';
import { cli } from '../cli/cli-support.js';
import { useTestPipeline } from '../support/local-pipeline.js';
import { waitFor } from '../support/wait.js';

/**
 * Issue 10, the delivery log in local mode: every attempt lands in `deliveries.jsonl` beside
 * the events file with its answer and reason, the CLI reads it (found through the instance file)
 * with attempt counts, and refused bodies are kept beside it when switched on — never published.
 */

const AUTH = 'Basic ZGV2OmRldi1pZHdpc2UtcGFzc3dvcmQ=';
const FORGED = 'Basic Zm9yZ2VkOmZvcmdlZA==';

interface JsonRecord {
  readonly receivedAt: string;
  readonly vendor?: string;
  readonly status: number;
  readonly result: string;
  readonly reason?: string;
  readonly requestId: string;
  readonly contentHash: string;
  readonly bodyBytes: number;
  readonly bodyRef?: string;
  readonly attempts?: number;
}

const used = useTestPipeline({ writeInstanceFile: true, keepRefusedBodies: true });
// Only the events file's folder: the CLI finds everything else in the instance file.
const env = (): Record<string, string> => ({ KYC_EVENTS_FILE: used.pipeline.eventsFile });

function body(eventId: string): string {
  return JSON.stringify({
    event: 'Finished Journey',
    body: { eventId, journeyId: `journey-${eventId}` },
  });
}

async function send(path: string, text: string, authorization: string): Promise<number> {
  const response = await fetch(used.pipeline.urls.server + path, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/json' },
    body: text,
  });
  await response.arrayBuffer();
  return response.status;
}

function fileRecords(): JsonRecord[] {
  const text = readFileSync(used.pipeline.deliveriesFile, 'utf8');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as JsonRecord);
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

describe('local mode’s delivery log', () => {
  const accepted = body('dl-accepted');
  const forged = body('dl-forged');

  beforeAll(async () => {
    expect(await send('/webhooks/idwise', accepted, AUTH)).toBe(200);
    expect(await send('/webhooks/idwise', forged, FORGED)).toBe(401);
    expect(await send('/webhooks/nobody', forged, AUTH)).toBe(404);
    await waitFor('three records', () => fileRecords().length >= 3, 30_000);
  });

  it('lives beside the events file, and the instance file says where', async () => {
    const { pipeline } = used.test;
    expect(pipeline.deliveriesFile).toBe(join(used.test.dir, 'deliveries.jsonl'));
    const lookup = await readInstanceFile(join(used.test.dir, 'instance.json'));
    expect(lookup.state === 'live' && lookup.instance.deliveriesFile).toBe(pipeline.deliveriesFile);
  });

  it('records an accepted and a refused delivery with their answers and reasons', () => {
    const records = fileRecords();
    expect(records.find((r) => r.contentHash === sha256(accepted))).toMatchObject({
      vendor: 'idwise',
      status: 200,
      result: 'accepted',
      bodyBytes: Buffer.byteLength(accepted),
    });
    expect(records.find((r) => r.status === 401)).toMatchObject({
      vendor: 'idwise',
      result: 'refused',
      reason: 'invalid_authorization',
      contentHash: sha256(forged),
    });
    const unknown = records.find((r) => r.status === 404);
    expect(unknown).toMatchObject({ result: 'refused', reason: 'unknown_route' });
    expect(unknown?.vendor).toBeUndefined();
  });

  it('never holds a body, a credential or a subject', () => {
    const text = readFileSync(used.pipeline.deliveriesFile, 'utf8');
    for (const content of ['Finished Journey', 'journey-dl-', AUTH, FORGED]) {
      expect(text).not.toContain(content);
    }
  });

  it('keeps the refused bodies, byte for byte, and never publishes them', () => {
    const refused = fileRecords().filter((r) => r.result === 'refused');
    expect(refused.length).toBeGreaterThanOrEqual(2);
    for (const record of refused) {
      expect(record.bodyRef).toBeDefined();
      const file = record.bodyRef ?? '';
      expect(file.startsWith(join(used.test.dir, 'refused-bodies'))).toBe(true);
      expect(readFileSync(file, 'utf8')).toBe(forged);
      expect(statSync(file).mode & 0o077).toBe(0);
    }
    expect(fileRecords().find((r) => r.result === 'accepted')?.bodyRef).toBeUndefined();
    const events = existsSync(used.pipeline.eventsFile)
      ? readFileSync(used.pipeline.eventsFile, 'utf8')
      : '';
    expect(events).not.toContain('dl-forged');
  });
});

describe('npx kyc-webhooks deliveries, in local mode', () => {
  const twice = body('dl-twice');

  beforeAll(async () => {
    expect(await send('/webhooks/idwise', twice, FORGED)).toBe(401);
    expect(await send('/webhooks/idwise', twice, AUTH)).toBe(200);
    await waitFor(
      'both attempts',
      () => fileRecords().filter((r) => r.contentHash === sha256(twice)).length === 2,
      30_000,
    );
  });

  async function deliveries(...args: string[]): Promise<JsonRecord[]> {
    const run = await cli(['deliveries', '--json', ...args], env());
    expect(run.code, run.stderr).toBe(0);
    return (JSON.parse(run.stdout) as { deliveries: JsonRecord[] }).deliveries;
  }

  it('shows the same body sent twice as two attempts, on both', async () => {
    const both = (await deliveries()).filter((r) => r.contentHash === sha256(twice));
    expect(both.map((r) => [r.status, r.attempts])).toEqual([
      [200, 2],
      [401, 2],
    ]);
  });

  it('shows only what was not accepted with --refused, newest first', async () => {
    const refused = await deliveries('--refused');
    expect(refused.length).toBeGreaterThanOrEqual(3);
    expect(refused.every((r) => r.result !== 'accepted')).toBe(true);
    const times = refused.map((r) => r.receivedAt);
    expect(times).toEqual([...times].sort().reverse());
  });

  it('filters by vendor and limits the count', async () => {
    const idwise = await deliveries('--vendor', 'idwise', '--limit', '2');
    expect(idwise).toHaveLength(2);
    expect(idwise.every((r) => r.vendor === 'idwise')).toBe(true);
  });

  it('prints a table with the reason and the attempts', async () => {
    const run = await cli(['deliveries', '--refused', '--limit', '1'], env());
    expect(run.code, run.stderr).toBe(0);
    const [header, row] = run.stdout.trim().split('\n');
    expect(header).toMatch(/^receivedAt\s+vendor\s+answer\s+reason\s+bytes\s+source\s+attempts/);
    expect(row).toMatch(/idwise\s+401 refused\s+invalid_authorization\s+\d+\s+\S+\s+2\s/);
  });

  it('finds nothing for a vendor that sent nothing, and says so', async () => {
    const run = await cli(['deliveries', '--since', '2020-01-01', '--vendor', 'bronid'], env());
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('No deliveries in local mode');
  });

  it('refuses a limit that is not a number', async () => {
    const run = await cli(['deliveries', '--limit', 'ten'], env());
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--limit');
  });
});
