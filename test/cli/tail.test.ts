import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startInterruptible } from './cli-support.js';
import { sendDelivery } from '../../local/send-delivery.js';
import { SECRETS_FILE, startTestPipeline } from '../support/local-pipeline.js';
import { localBusEntries, waitFor } from '../support/wait.js';

/**
 * `kyc-webhooks tail` follows the events file of local mode as events are published: one line
 * per event, filtered by vendor or by an EventBridge pattern, ended by Ctrl-C with exit 0. (A
 * deployed stack: tail-stack.test.ts.)
 */

const dir = mkdtempSync(join(tmpdir(), 'kyc-tail-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A tail running in-process; `interrupt` plays Ctrl-C and resolves with its exit code. */
function startTail(argv: readonly string[], env: Readonly<Record<string, string>>) {
  return startInterruptible(['tail', ...argv], env, { now: new Date('2026-06-01T12:00:00.000Z') });
}

/** A line as local mode's PutEvents endpoint writes it. */
function entry(options: {
  vendor: string;
  id: string;
  status?: string;
  receivedAt?: string;
  detailType?: string;
}): string {
  const detail = {
    schemaVersion: '1',
    eventId: `${options.vendor}:${options.id}`,
    vendor: options.vendor,
    subject: { kind: 'user', id: `u-${options.id}` },
    status: options.status ?? 'approved',
    scope: 'verification',
    outOfOrder: false,
    occurredAt: '2026-06-01T10:00:00.000Z',
    receivedAt: options.receivedAt ?? '2026-06-01T11:59:00.000Z',
  };
  return `${JSON.stringify({
    Source: `kyc.${options.vendor}`,
    DetailType: options.detailType ?? 'KYC Verification Updated',
    Detail: JSON.stringify(detail),
    EventBusName: 'kyc-webhooks',
    Time: detail.occurredAt,
  })}\n`;
}

function eventsFile(name: string, content = ''): string {
  const file = join(dir, `${name}.jsonl`);
  writeFileSync(file, content);
  return file;
}

describe('tail', () => {
  it('follows a running pipeline: one line per event published from now on', async () => {
    const testPipeline = await startTestPipeline();
    try {
      const { pipeline } = testPipeline;
      const port = Number(new URL(pipeline.urls.server).port);
      const send = (vendor: string, fixture: string) =>
        sendDelivery({ vendor, fixture, port, secretsFile: SECRETS_FILE });
      await send('treezor', 'user.kycreview');
      await waitFor('the first event', () => localBusEntries(pipeline.eventsFile).length === 1);

      const tail = startTail([], { KYC_EVENTS_FILE: pipeline.eventsFile });
      await waitFor('tail to start', () => tail.output.stderr.includes('Ctrl-C to stop'));
      await send('idwise', 'manually-reviewed-approved');
      // Its stand-in API's result may follow it at once (enrichment): the first line is its own.
      await waitFor('the line', () => tail.lines().length >= 1);
      expect(await tail.interrupt()).toBe(0);

      const published = readFileSync(pipeline.eventsFile, 'utf8').split('\n')[1] ?? '';
      const { Time } = JSON.parse(published) as { Time: string };
      // Columns are padded to line up; the sample vendor test runs register is the longest.
      expect(
        tail
          .lines()
          .slice(0, 1)
          .map((line) => line.split(/ {2,}/)),
      ).toEqual([
        [
          Time,
          'kyc.idwise',
          'KYC Verification Updated',
          'idwise:75decf78-8e06-483e-b218-66bab457afec',
          'journey c803a0934637f4fe46309a61',
          'approved',
          'outOfOrder=false',
        ],
      ]);
      expect(tail.output.stderr).toContain(`Following ${pipeline.eventsFile}`);
    } finally {
      await testPipeline.stop();
    }
  });

  it('--since shows what was received since then first, then everything new', async () => {
    const file = eventsFile(
      'since',
      entry({ vendor: 'treezor', id: 'old', receivedAt: '2026-06-01T09:00:00.000Z' }) +
        entry({ vendor: 'treezor', id: 'recent', receivedAt: '2026-06-01T11:30:00.000Z' }),
    );
    const tail = startTail(['--since', '1h'], { KYC_EVENTS_FILE: file });
    await waitFor('the backlog', () => tail.lines().length === 1);
    // A replay republishes an event with the time its delivery was first received.
    appendFileSync(
      file,
      entry({ vendor: 'idwise', id: 'replayed', receivedAt: '2026-05-01T00:00:00.000Z' }),
    );
    await waitFor('the new line', () => tail.lines().length === 2);
    expect(await tail.interrupt()).toBe(0);
    expect(tail.lines().map((line) => line.split(/ {2,}/)[3])).toEqual([
      'treezor:recent',
      'idwise:replayed',
    ]);
  });

  it('--vendor and --pattern filter; --json prints the lines as they are', async () => {
    const file = eventsFile('filters');
    const tail = startTail(
      ['--vendor', 'treezor', '--pattern', '{"detail": {"status": ["approved"]}}', '--json'],
      { KYC_EVENTS_FILE: file },
    );
    await waitFor('tail to start', () => tail.output.stderr.includes('Ctrl-C'));
    const lines = [
      entry({ vendor: 'treezor', id: 'a', status: 'approved' }),
      entry({ vendor: 'treezor', id: 'b', status: 'rejected' }),
      entry({ vendor: 'idwise', id: 'c', status: 'approved' }),
      entry({ vendor: 'treezor', id: 'd', status: 'approved', detailType: 'KYC Document Updated' }),
    ];
    appendFileSync(file, lines.join(''));
    await waitFor('two lines', () => tail.lines().length === 2);
    // Whatever else might come, it would have come within a few polls.
    await new Promise((done) => setTimeout(done, 500));
    expect(await tail.interrupt()).toBe(0);
    expect(tail.output.stdout).toBe(`${lines[0]}${lines[3]}`);
  });

  it('carries on from the start when a new npm start empties the file', async () => {
    const file = eventsFile('restart', entry({ vendor: 'treezor', id: 'before' }));
    const tail = startTail([], { KYC_EVENTS_FILE: file });
    await waitFor('tail to start', () => tail.output.stderr.includes('Ctrl-C'));
    writeFileSync(file, '');
    await waitFor('the restart note', () => tail.output.stderr.includes('was emptied'));
    appendFileSync(file, entry({ vendor: 'treezor', id: 'after' }));
    await waitFor('the new line', () => tail.lines().length === 1);
    expect(await tail.interrupt()).toBe(0);
    expect(tail.lines()[0]).toContain('treezor:after');
  });

  it('waits for an events file that does not exist yet', async () => {
    const file = join(dir, 'later', 'events.jsonl');
    const tail = startTail([], { KYC_EVENTS_FILE: file });
    await waitFor('the note', () => tail.output.stderr.includes('does not exist yet'));
    expect(await tail.interrupt()).toBe(0);
  });

  it('refuses a bad pattern or vendor as a usage error, naming the problem', async () => {
    const pattern = startTail(['--pattern', '{"detail": {"status": "approved"}}'], {});
    expect(await pattern.interrupt()).toBe(2);
    expect(pattern.output.stderr).toContain(
      '--pattern: Invalid event pattern at detail.status: must be an array',
    );
    const vendor = startTail(['--vendor', 'nobody'], {});
    expect(await vendor.interrupt()).toBe(2);
    expect(vendor.output.stderr).toContain('Unknown vendor "nobody"');
  });
});
