import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { useTestPipeline } from '../support/local-pipeline.js';
import { localBusEntries, waitFor, type PublishedEvent } from '../support/wait.js';
import type { EventDetail } from '../../lambdas/core/event.js';
import { apiReading, readArchived, sendBody } from './enrichment-support.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURES = join(ROOT, 'test/fixtures/idwise');
const WEBHOOK = 'finished-journey-complete';
/** Written from the fixtures by hand, not from the code under test. */
const WEBHOOK_EVENT_ID = 'idwise:30c365d2-e077-46cc-b633-5949c110fd11';
const JOURNEY_ID = 'd3f85a7ad9a95a2a45a7fa29';
const REFER_RESULT = readFileSync(join(FIXTURES, 'api/journey-result-refer.json'));
/** Personal data the refer fixture's applicant holds: archived, never published. */
const APPLICANT_VALUES = ['Jane Example', '1990-04-12'];

// The shortest visibility timeout local mode allows, so a failed enrichment is retried soon.
const used = useTestPipeline({ visibilityTimeoutSeconds: 6 });

function published(): PublishedEvent[] {
  return localBusEntries(used.pipeline.eventsFile).map((entry) => ({
    ...entry,
    detail: JSON.parse(entry.Detail) as EventDetail,
  }));
}

function enrichmentOf(eventId: string): Promise<PublishedEvent> {
  return waitFor(
    `the enrichment of ${eventId}`,
    () =>
      published().find(
        (event) =>
          event.detail.origin === 'enrichment' &&
          event.detail.findings?.confirmsEventId === eventId,
      ),
    30_000,
  );
}

const send = (body: string): Promise<void> => sendBody(used.test, 'idwise', body);

describe('IDWise enrichment in local mode', () => {
  it('follows a Finished Journey with a published Journey Result carrying the decision details and no personal data', async () => {
    const enrichment = used.pipeline.enrichment;
    if (!enrichment) throw new Error('local mode started no enrichment');
    enrichment.standIn.answerWith('idwise', 'journey-result-refer');

    await send(readFileSync(join(FIXTURES, `${WEBHOOK}.json`), 'utf8'));
    const event = await enrichmentOf(WEBHOOK_EVENT_ID);

    expect(event.Source).toBe('kyc.idwise');
    expect(event.DetailType).toBe('KYC Verification Updated');
    expect(event.detail).toMatchObject({
      vendor: 'idwise',
      vendorEventType: 'Journey Result',
      subject: { kind: 'journey', id: JOURNEY_ID },
      status: 'in_review',
      // The webhook said Complete; the journey, asked afterwards, is referred: it came later.
      previousStatus: 'approved',
      outOfOrder: false,
      findings: apiReading('idwise', 'journey-result-refer').findings,
    });
    const entry = JSON.stringify(event);
    for (const value of APPLICANT_VALUES) expect(entry).not.toContain(value);
    expect(enrichment.standIn.requests).toContainEqual({
      vendor: 'idwise',
      path: `/journey/v2/result/${JOURNEY_ID}`,
    });

    // The full answer is archived byte for byte, under the key the event references.
    const { bytes } = await readArchived(enrichment, event.detail.findings?.resultKey);
    expect(bytes.equals(REFER_RESULT)).toBe(true);
  });

  it('takes webhooks while the vendor API is down, and enriches them once it is back', async () => {
    const enrichment = used.pipeline.enrichment!;
    enrichment.standIn.setFault('idwise', { status: 503 });
    const body = JSON.parse(readFileSync(join(FIXTURES, `${WEBHOOK}.json`), 'utf8')) as {
      body: Record<string, unknown>;
    };
    body.body['eventId'] = 'outage-event-1';
    body.body['journeyId'] = 'journey-during-outage';
    await send(JSON.stringify(body));
    await waitFor('the webhook event', () =>
      published().some((event) => event.detail.eventId === 'idwise:outage-event-1'),
    );
    await waitFor('a failed call to the API', () =>
      enrichment.standIn.requests.some((request) =>
        request.path.endsWith('/journey-during-outage'),
      ),
    );
    expect(
      published().some(
        (event) => event.detail.findings?.confirmsEventId === 'idwise:outage-event-1',
      ),
    ).toBe(false);

    enrichment.standIn.setFault('idwise', undefined);
    const event = await enrichmentOf('idwise:outage-event-1');
    expect(event.detail.subject.id).toBe('journey-during-outage');
    // Stored and published once, however many attempts it took.
    expect(published().filter((e) => e.detail.eventId === event.detail.eventId)).toHaveLength(1);
  });

  it('does not call the API after an event that is not a trigger', async () => {
    const enrichment = used.pipeline.enrichment!;
    const before = enrichment.standIn.requests.length;
    const body = JSON.parse(readFileSync(join(FIXTURES, 'finished-step.json'), 'utf8')) as {
      body: Record<string, unknown>;
    };
    body.body['eventId'] = 'step-event-1';
    await send(JSON.stringify(body));
    await waitFor('the step event', () =>
      published().some((event) => event.detail.eventId === 'idwise:step-event-1'),
    );
    // Give a wrongly matched event time to reach the stand-in: the next trigger's call must be
    // the first one after `before`.
    await send(
      JSON.stringify({
        ...JSON.parse(readFileSync(join(FIXTURES, `${WEBHOOK}.json`), 'utf8')),
        body: {
          eventId: 'after-step-1',
          journeyId: 'after-step-journey',
          systemDecision: 'Complete',
        },
      }),
    );
    await enrichmentOf('idwise:after-step-1');
    expect(enrichment.standIn.requests.slice(before).map((r) => r.path)).toEqual([
      '/journey/v2/result/after-step-journey',
    ]);
  });
});
