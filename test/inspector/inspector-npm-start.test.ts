import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendDelivery } from '../../local/send-delivery.js';
import { SECRETS_FILE } from '../support/local-pipeline.js';
import { spawnNpmStart } from '../support/processes.js';
import { waitFor } from '../support/wait.js';
import { browserTestsRun, DEADLINE_MS, launchChromium, TEST_TIMEOUT_MS } from './chromium.js';

/**
 * What an operator does: `npm start`, open the inspector URL its banner prints, send a fixture,
 * and watch the event appear on the page without reloading it.
 */

describe.runIf(browserTestsRun())('npm start and its inspector page', () => {
  let dir: string;
  let browser: Browser;
  let child: ReturnType<typeof spawnNpmStart>;
  let stdout = '';
  let exited: Promise<number | null>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kyc-inspector-start-'));
    child = spawnNpmStart({ KYC_EVENTS_FILE: join(dir, 'events.jsonl') });
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    child?.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    'prints the inspector URL, whose page shows a fixture sent afterwards',
    async () => {
      await waitFor('the start banner', () => stdout.includes('Ctrl-C'), DEADLINE_MS);
      const url = /^Inspector: (http:\/\/localhost:\d+\/) /m.exec(stdout)?.[1];
      expect(url, stdout).toBeDefined();

      const page = await browser.newPage();
      page.setDefaultTimeout(DEADLINE_MS);
      await page.goto(url ?? '');
      await page.getByText('Live: new events appear').waitFor();
      await page.getByText('No event published yet').waitFor();

      const sent = await sendDelivery({
        vendor: 'truuth',
        fixture: 'callback-fail',
        port: Number(new URL(url ?? '').port),
        secretsFile: SECRETS_FILE,
      });
      expect(sent.status).toBe(200);
      const row = page.locator('#events tbody tr', { hasText: 'kyc.truuth' });
      await row.waitFor();
      expect(await row.count()).toBe(1);
    },
    TEST_TIMEOUT_MS,
  );
});
