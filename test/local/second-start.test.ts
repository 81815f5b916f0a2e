import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readInstanceFile } from '../../local/instance-file.js';
import { AlreadyRunningError, startLocalPipeline } from '../../local/pipeline.js';
import { sendDelivery } from '../../local/send-delivery.js';
import {
  SECRETS_FILE,
  testPipelineOptions,
  uniqueTableName,
  useTestPipeline,
  type TestPipeline,
} from '../support/local-pipeline.js';
import { localBusEntries, waitFor } from '../support/wait.js';

/**
 * A second start that cannot run leaves the running pipeline exactly as it was: it finds the
 * instance file or a taken port before it empties the events file or writes anything.
 */

const port = (url: string): number => Number(new URL(url).port);

async function sendReview(testPipeline: TestPipeline): Promise<void> {
  const { status } = await sendDelivery({
    vendor: 'treezor',
    fixture: 'user.kycreview',
    port: port(testPipeline.pipeline.urls.server),
    secretsFile: SECRETS_FILE,
  });
  expect(status).toBe(200);
}

describe('a second start beside a running pipeline', () => {
  const used = useTestPipeline({ writeInstanceFile: true });

  beforeAll(async () => {
    await sendReview(used.test);
    await waitFor('the first event', () => localBusEntries(used.pipeline.eventsFile).length === 1);
  });

  it('is refused by the instance file, and changes nothing', async () => {
    const { eventsFile, instanceFile } = used.pipeline;
    expect(instanceFile).toBe(join(used.test.dir, 'instance.json'));
    const events = readFileSync(eventsFile, 'utf8');
    const instance = readFileSync(instanceFile ?? '', 'utf8');

    const second = startLocalPipeline(
      testPipelineOptions(used.test.dir, {
        tableName: uniqueTableName('kyc-second'),
        eventsFile,
        writeInstanceFile: true,
      }),
    );
    await expect(second).rejects.toThrow(AlreadyRunningError);
    await expect(second).rejects.toThrow(`process ${process.pid}`);
    expect(readFileSync(eventsFile, 'utf8')).toBe(events);
    expect(readFileSync(instanceFile ?? '', 'utf8')).toBe(instance);
  });

  it('fails on a taken port before emptying the events file, when no instance file says so', async () => {
    const { eventsFile, instanceFile = '' } = used.pipeline;
    const events = readFileSync(eventsFile, 'utf8');
    const instance = readFileSync(instanceFile, 'utf8');
    // An instance file lost or never written (a pipeline started by a test, or an older
    // version): only the ports can tell. The webhook port is the last one bound.
    writeFileSync(instanceFile, '');
    try {
      const second = startLocalPipeline(
        testPipelineOptions(used.test.dir, {
          port: port(used.pipeline.urls.server),
          tableName: uniqueTableName('kyc-second'),
          eventsFile,
          writeInstanceFile: true,
        }),
      );
      await expect(second).rejects.toThrow(/Webhook server: port \d+ is already in use/);
      expect(readFileSync(eventsFile, 'utf8')).toBe(events);
      expect(readFileSync(instanceFile, 'utf8')).toBe('');
    } finally {
      writeFileSync(instanceFile, instance);
    }

    // The first pipeline still takes deliveries and publishes to the same file.
    await sendDelivery({
      vendor: 'idwise',
      fixture: 'manually-reviewed-approved',
      port: port(used.pipeline.urls.server),
      secretsFile: SECRETS_FILE,
    });
    await waitFor('the second event', () => localBusEntries(eventsFile).length === 2);
  });
});

describe('the instance file', () => {
  it('is written once ready, replaces a stale one, and is removed on stop', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kyc-instance-'));
    const file = join(dir, 'instance.json');
    // Left by a process that has ended: its pid names no running process.
    const gone = spawnSync(process.execPath, ['-e', '']).pid;
    writeFileSync(
      file,
      JSON.stringify({
        pid: gone,
        startedAt: '2026-01-01T00:00:00.000Z',
        urls: Object.fromEntries(
          ['server', 'dynamodb', 'sqs', 'eventBridge', 'queue', 'deadLetterQueue'].map((name) => [
            name,
            'http://127.0.0.1:1',
          ]),
        ),
        tableName: 't',
        eventBusName: 'b',
        eventsFile: join(dir, 'events.jsonl'),
        secretsFile: SECRETS_FILE,
      }),
    );
    expect(await readInstanceFile(file)).toEqual({
      state: 'stale',
      why: `process ${gone}, which wrote it at 2026-01-01T00:00:00.000Z, is gone (it did not stop cleanly)`,
    });

    const pipeline = await startLocalPipeline(
      testPipelineOptions(dir, {
        tableName: uniqueTableName('kyc-instance'),
        writeInstanceFile: true,
      }),
    );
    try {
      expect(await readInstanceFile(file)).toMatchObject({
        state: 'live',
        instance: {
          pid: process.pid,
          urls: { server: pipeline.urls.server, eventBridge: pipeline.urls.eventBridge },
          tableName: pipeline.tableName,
          eventsFile: pipeline.eventsFile,
        },
      });
    } finally {
      await pipeline.stop();
    }
    expect(existsSync(file)).toBe(false);
    rmSync(dir, { recursive: true, force: true });
  });
});
