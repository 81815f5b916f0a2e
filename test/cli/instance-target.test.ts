import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalPipeline } from '../../local/pipeline.js';
import { sendDelivery } from '../../local/send-delivery.js';
import { startTestPipeline, type TestPipeline } from '../support/local-pipeline.js';
import { cli, freePort, SECRETS_FILE } from './cli-support.js';
import { localBusEntries, waitFor } from '../support/wait.js';

/**
 * The CLI finds a running local mode through the instance file npm start writes beside its
 * events file, whatever its ports: no PORT or KYC_*_PORT variable needed. The variables still
 * override it, one by one.
 */

const KYC_REVIEW = 'treezor:9d53754fbeca378809ceb64ce3f75d41483b808ec64026b4969d7500a7252cb3';

let testPipeline: TestPipeline;
/** Only where the events file is: the instance file beside it says the rest. */
let env: Record<string, string>;

beforeAll(async () => {
  testPipeline = await startTestPipeline({ writeInstanceFile: true });
  env = { KYC_EVENTS_FILE: testPipeline.pipeline.eventsFile };
  const { status } = await sendDelivery({
    vendor: 'treezor',
    fixture: 'user.kycreview',
    port: Number(new URL(testPipeline.pipeline.urls.server).port),
    secretsFile: SECRETS_FILE,
  });
  expect(status).toBe(200);
  await waitFor('the review', () => localBusEntries(testPipeline.pipeline.eventsFile).length > 0);
});

afterAll(async () => {
  await testPipeline?.stop();
});

describe('local mode found through its instance file', () => {
  it('answers history, replay and redrive on the ports npm start chose', async () => {
    const history = await cli(['history', 'treezor', '6461762', '--kind', 'user', '--json'], env);
    expect(history.code, history.stderr).toBe(0);
    expect(JSON.parse(history.stdout)).toMatchObject({
      subjects: [{ subjectKey: 'treezor#user#6461762', state: { status: 'approved' } }],
    });

    // Publishing needs the PutEvents endpoint's port, which only the instance file knows.
    const replay = await cli(['replay', '--event-id', KYC_REVIEW, '--force'], env);
    expect(replay.code, replay.stderr).toBe(0);
    await waitFor(
      'the republished review',
      () => localBusEntries(testPipeline.pipeline.eventsFile).length === 2,
    );

    const redrive = await cli(['redrive', '--dry-run'], env);
    expect(redrive.code, redrive.stderr).toBe(0);
    expect(redrive.stdout).toContain('0 messages in the dead-letter queue');
  });

  it('sends to the instance, signed with its secrets file', async () => {
    const send = await cli(['send', 'idwise', 'manually-reviewed-approved'], env);
    expect(send.code, send.stderr).toBe(0);
    expect(send.stdout).toContain(`POST ${testPipeline.pipeline.urls.server}/webhooks/idwise`);
  });

  it('lets each variable override what the instance file says', async () => {
    const otherTable = await cli(['history', 'treezor', '6461762', '--kind', 'user'], {
      ...env,
      KYC_DYNAMODB_TABLE: 'kyc-webhooks-elsewhere',
    });
    expect(otherTable.code).toBe(1);
    expect(otherTable.stderr).toContain('No table kyc-webhooks-elsewhere');

    const zero = await cli(['replay', '--event-id', KYC_REVIEW, '--force'], {
      ...env,
      KYC_EVENTBRIDGE_PORT: '0',
    });
    expect(zero.code).toBe(1);
    expect(zero.stderr).toContain(
      `KYC_EVENTBRIDGE_PORT=0 says npm start chose a free port, which only its instance file ` +
        `knows: unset KYC_EVENTBRIDGE_PORT for this command, and it reads the port from ` +
        join(testPipeline.dir, 'instance.json'),
    );
  });
});

/** The test pipeline's own description in `dir`, as written by process `pid`, with these URLs. */
function writeInstanceFile(dir: string, pid: number, urls: LocalPipeline['urls']): void {
  const { pipeline } = testPipeline;
  writeFileSync(
    join(dir, 'instance.json'),
    JSON.stringify({
      pid,
      startedAt: '2026-01-01T00:00:00.000Z',
      urls,
      tableName: pipeline.tableName,
      eventBusName: pipeline.eventBusName,
      eventsFile: join(dir, 'events.jsonl'),
      deliveriesFile: join(dir, 'deliveries.jsonl'),
      secretsFile: pipeline.secretsFile,
    }),
  );
}

describe('an instance whose engines do not answer', () => {
  it('says which npm start was asked, and that the environment overrides its ports', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kyc-silent-'));
    try {
      const { pipeline } = testPipeline;
      const closed = `http://127.0.0.1:${await freePort()}`;
      // A live process (this one) whose file names a port where nothing answers.
      writeInstanceFile(dir, process.pid, { ...pipeline.urls, dynamodb: closed });
      const run = await cli(['history', 'treezor', '6461762', '--kind', 'user'], {
        KYC_EVENTS_FILE: join(dir, 'events.jsonl'),
      });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(
        `Nothing answers at ${closed} (DynamoDB): is \`npm start\` (process ${process.pid}, ` +
          'found through its instance file) still running?',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a stale instance file', () => {
  it('is ignored with a note', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kyc-stale-'));
    try {
      const gone = spawnSync(process.execPath, ['-e', '']).pid;
      const { pipeline } = testPipeline;
      // The running pipeline's own description, but from a process that has ended.
      writeInstanceFile(dir, gone, pipeline.urls);
      const run = await cli(['history', 'treezor', '6461762', '--kind', 'user'], {
        KYC_EVENTS_FILE: join(dir, 'events.jsonl'),
        // Somewhere nothing answers, so the stale file's ports would be the only way in.
        KYC_DYNAMODB_PORT: '1',
      });
      expect(run.stderr).toContain(
        `Ignoring ${join(dir, 'instance.json')}: process ${gone}, which wrote it at ` +
          '2026-01-01T00:00:00.000Z, is gone (it did not stop cleanly); using the default ports ' +
          'and any the environment sets.',
      );
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('Nothing answers at http://127.0.0.1:1 (DynamoDB)');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
