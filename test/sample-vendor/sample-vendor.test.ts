import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findVendor, findVendorByRoute, VENDORS } from '../../lambdas/vendors/registry.js';
import { SECRETS_FILE, startTestPipeline, type TestPipeline } from '../support/local-pipeline.js';
import { vendorFixtures } from '../support/vendor-fixtures.js';
import { localBusEntries, waitFor } from '../support/wait.js';
import { SAMPLE_ROUTE, SAMPLE_VENDOR_ID, sampleHmac } from './sample-hmac.js';

/**
 * The README's "Adding a vendor", walked end to end: a header-HMAC vendor defined in this folder
 * alone (test/sample-vendor/sample-hmac.ts and test/fixtures/sample-hmac/) is registered for every
 * test run by test/setup/register-sample-vendor.ts, so the shared suites — the vendor contract,
 * hostile input, rotation, log hygiene, the soak, the stack — already run over it. This file
 * checks that it is registered, and runs it through local mode over HTTP.
 */

const fixtures = vendorFixtures(sampleHmac);

describe('a sixth vendor, defined in the tests only', () => {
  it('is registered beside the shipped ones, and owns its route', () => {
    expect(findVendor(SAMPLE_VENDOR_ID)).toBe(sampleHmac);
    expect(findVendorByRoute(SAMPLE_ROUTE)).toBe(sampleHmac);
    expect(VENDORS.length).toBeGreaterThan(5);
  });

  describe('through local mode', () => {
    let test: TestPipeline;

    let secretsDir: string;

    beforeAll(async () => {
      // Local mode reads secrets from one file: the development ones plus this vendor's.
      secretsDir = mkdtempSync(join(tmpdir(), 'kyc-sample-vendor-'));
      const secretsFile = join(secretsDir, 'secrets.json');
      const development = JSON.parse(readFileSync(SECRETS_FILE, 'utf8')) as object;
      writeFileSync(
        secretsFile,
        JSON.stringify({ ...development, [SAMPLE_VENDOR_ID]: fixtures.secret() }),
      );
      test = await startTestPipeline({ secretsFile });
    });

    afterAll(async () => {
      await test?.stop();
      rmSync(secretsDir, { recursive: true, force: true });
    });

    const post = (body: string, headers: Record<string, string>) =>
      fetch(`${test.pipeline.urls.server}${SAMPLE_ROUTE}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });

    it('accepts a genuine delivery and publishes it once, normalized', async () => {
      const fixture = fixtures.read('applicant-reviewed-green');
      const headers = fixture.expected.headers ?? {};
      for (let attempt = 0; attempt < 2; attempt += 1) {
        expect((await post(fixture.body, headers)).status).toBe(200);
      }
      const eventId = `${SAMPLE_VENDOR_ID}:${fixture.expected.dedupId}`;
      const published = await waitFor(`${eventId} to be published`, () => {
        const events = localBusEntries(test.pipeline.eventsFile).filter(
          (entry) => (JSON.parse(entry.Detail) as { eventId: string }).eventId === eventId,
        );
        return events.length > 0 && events;
      });
      expect(published).toHaveLength(1);
      expect(published[0]?.Source).toBe(`kyc.${SAMPLE_VENDOR_ID}`);
      expect(JSON.parse(published[0]?.Detail ?? '{}')).toMatchObject({
        status: 'approved',
        scope: 'verification',
        subject: { kind: 'applicant', id: 'app-0001' },
      });
    });

    it('refuses the same body under a digest of other bytes', async () => {
      const fixture = fixtures.read('applicant-reviewed-red');
      const headers = fixtures.read('applicant-reviewed-green').expected.headers ?? {};
      expect((await post(fixture.body, headers)).status).toBe(401);
    });
  });
});
