import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HttpsLinkFetcher } from '../../lambdas/adapters/https-link-fetcher.js';
import { ConfigurationError } from '../../lambdas/core/errors.js';
import { readApiCredentials, type ApiFindingsMessage } from '../../lambdas/core/vendor-api.js';
import { enrichEvent } from '../../lambdas/enrichment/enrich-event.js';
import { toOutgoing } from '../../lambdas/processor/process-record.js';
import { truuth } from '../../lambdas/vendors/truuth.js';
import { parsedCredentials } from '../support/credentials.js';
import { lambdaContext } from '../support/deliveries.js';
import {
  callbackTrigger,
  EVENT_ID,
  LINK,
  PASS,
  storedCallback,
  truuthWorker,
} from './truuth-worker.js';

const UNSIGNED = 'https://reports.example.com/fixtures/6f1c2a9e/report.pdf';

describe('Truuth report links', () => {
  it('are published without their query: no live link leaves the pipeline', () => {
    expect(PASS).toContain(LINK);
    const published = JSON.stringify(toOutgoing(storedCallback(PASS), true).detail.payload);
    expect(published).toContain(`"${UNSIGNED}"`);
    expect(published).not.toContain('X-Amz-Signature');
    // Everything else stays as sent.
    expect(published).toContain('"externalRefId":"example-onboarding-0001"');
  });

  it('are archived unless the secret turns it off; the api member holds no credentials', () => {
    const base = { authorization: ['Bearer t'] };
    expect(readApiCredentials(base, truuth.api!, 'truuth')).toBeUndefined();
    expect(() => parsedCredentials(truuth, { ...base, api: { archive: false } })).not.toThrow();
    expect(() => parsedCredentials(truuth, { ...base, api: { archive: 'no' } })).toThrow(
      ConfigurationError,
    );
    expect(() => parsedCredentials(truuth, { ...base, api: { keyId: 'x' } })).toThrow(
      ConfigurationError,
    );
  });
});

const trigger = callbackTrigger();
const { getRemainingTimeInMillis } = lambdaContext();

function depsWith(rawBody: string, secret: Record<string, unknown>) {
  // As deployed: no exemption.
  const links = new HttpsLinkFetcher({ maxBytes: 1024, timeoutMs: 10_000 });
  return truuthWorker({ [EVENT_ID]: rawBody }, links, secret);
}

describe('the worker, as deployed, after a Truuth callback', () => {
  it('refuses a link to an internal address for good, and still reports the callback archived (nothing of it)', async () => {
    const body = PASS.replace(LINK, 'https://169.254.169.254/latest/meta-data/iam?x=1');
    const { deps, objects, queue } = depsWith(body, {});
    expect(await enrichEvent(trigger, deps, getRemainingTimeInMillis)).toBe('queued');
    const message = JSON.parse(queue.messages[0]!.body) as ApiFindingsMessage;
    expect(message.vendorEventType).toBe('Reports Archived');
    expect(message.reading.findings.archived).toEqual([]);
    expect(message.confirmsEventId).toBe(EVENT_ID);
    const index = JSON.parse(objects.get(message.resultKey) as string) as unknown;
    expect(index).toEqual({
      eventId: EVENT_ID,
      archived: [],
      refused: [{ field: 'reportUrls.verificationReport', reason: 'an IP-literal host' }],
    });
    expect(JSON.stringify([...objects.values()].map(String))).not.toContain('169.254');
    expect(queue.messages[0]!.body).not.toContain('169.254');
  });

  it('answers a callback without links with a result that names no key', async () => {
    const body = readFileSync(
      fileURLToPath(new URL('../fixtures/truuth/callback-in-progress.json', import.meta.url)),
      'utf8',
    );
    expect(body).not.toContain('http');
    const { deps, queue } = depsWith(body, {});
    expect(await enrichEvent(trigger, deps, getRemainingTimeInMillis)).toBe('queued');
    const message = JSON.parse(queue.messages[0]!.body) as ApiFindingsMessage;
    expect(message.reading.findings.archived).toEqual([]);
  });

  it('does nothing when the secret turns archiving off', async () => {
    const { deps, objects, queue } = depsWith(PASS, { api: { archive: false } });
    expect(await enrichEvent(trigger, deps, getRemainingTimeInMillis)).toBe('not-configured');
    expect(objects.size).toBe(0);
    expect(queue.messages).toEqual([]);
  });
});
