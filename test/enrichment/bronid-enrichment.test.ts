import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { EventDetail } from '../../lambdas/core/event.js';
import { useTestPipeline } from '../support/local-pipeline.js';
import { waitFor } from '../support/wait.js';
import { publishedDetails, sendBody } from './enrichment-support.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/bronid/', import.meta.url));

const used = useTestPipeline();

const details = (): EventDetail[] => publishedDetails(used.test);

/** The `verified` fixture for another verification, signed on sending with the dev key. */
async function sendVerified(verificationUuid: string): Promise<string> {
  const body = JSON.parse(readFileSync(join(FIXTURES, 'verified.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  delete body['signature'];
  body['verificationUuid'] = verificationUuid;
  await sendBody(used.test, 'bronid', JSON.stringify(body));
  const webhook = await waitFor('the webhook event', () =>
    details().find((d) => d.subject.id === verificationUuid && d.origin === undefined),
  );
  return webhook.eventId;
}

describe('bronID: the API confirms a webhook, or does not', () => {
  it('marks a status the API gives too as confirmed', async () => {
    const eventId = await sendVerified('verification-confirmed');
    const result = await waitFor('the API result', () =>
      details().find((d) => d.findings?.confirmsEventId === eventId),
    );
    expect(result).toMatchObject({
      vendor: 'bronid',
      origin: 'enrichment',
      status: 'approved',
      findings: { confirmed: true },
    });
    expect(used.pipeline.enrichment?.standIn.requests).toContainEqual({
      vendor: 'bronid',
      path: '/getVerificationStatus',
    });
  });

  it('marks a status the API contradicts as not confirmed, and publishes the API’s', async () => {
    used.pipeline.enrichment!.standIn.answerWith('bronid', 'verification-status-rejected');
    const eventId = await sendVerified('verification-contradicted');
    const result = await waitFor('the API result', () =>
      details().find((d) => d.findings?.confirmsEventId === eventId),
    );
    expect(result).toMatchObject({ status: 'rejected', findings: { confirmed: false } });
  });
});
