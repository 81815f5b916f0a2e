import { describe, expect, it } from 'vitest';
import type { EventDetail } from '../../lambdas/core/event.js';
import { useTestPipeline } from '../support/local-pipeline.js';
import { waitFor, waitForQueueDrained } from '../support/wait.js';
import { publishedDetails, sendBody } from '../enrichment/enrichment-support.js';

const JOURNEY = 'journey-left-in-review';
const HOUR = 3_600_000;
/** IDWise's in_review window, as its vendor file states it: a day. */
const PAST_WINDOW = () => new Date(Date.now() + 25 * HOUR);

// The shortest visibility timeout: two sweeps' copies of one event may meet in one batch, and
// the one that waits for the other's publication lease is retried after it.
const used = useTestPipeline({ visibilityTimeoutSeconds: 6 });

const details = (): EventDetail[] => publishedDetails(used.test);

function enrichment() {
  const found = used.pipeline.enrichment;
  if (!found) throw new Error('local mode started no vendor API worker');
  return found;
}

/** A Finished User Steps delivery (not an enrichment trigger) that leaves the journey referred. */
async function sendReferred(journeyId: string, eventId: string): Promise<void> {
  await sendBody(
    used.test,
    'idwise',
    JSON.stringify({
      event: 'Finished User Steps',
      body: {
        eventId,
        journeyId,
        systemDecision: 'Refer',
        manualDecision: null,
        finalDecision: null,
      },
    }),
  );
}

describe('reconciliation in local mode', () => {
  it('resolves a subject left in_review past its window from the vendor API', async () => {
    await sendReferred(JOURNEY, 'referred-1');
    await waitFor('the webhook event', () =>
      details().some((d) => d.eventId === 'idwise:referred-1' && d.status === 'in_review'),
    );
    // Not due inside its window; due past it.
    const due = await waitFor('the subject to be open', async () => {
      const report = await enrichment().reconcile({ dryRun: true }, PAST_WINDOW());
      return report.entries.find((entry) => entry.open.subject.id === JOURNEY);
    });
    expect(due).toMatchObject({ outcome: 'due', open: { vendor: 'idwise', status: 'in_review' } });
    const early = await enrichment().reconcile({ dryRun: true }, new Date(Date.now() + HOUR));
    expect(early.entries.filter((entry) => entry.open.subject.id === JOURNEY)).toEqual([]);
    const otherVendor = await enrichment().reconcile(
      { dryRun: true, vendor: 'treezor' },
      PAST_WINDOW(),
    );
    expect(otherVendor.entries).toEqual([]);
    // A dry run asks nothing.
    expect(enrichment().standIn.requests.filter((r) => r.path.endsWith(JOURNEY))).toEqual([]);

    enrichment().standIn.answerWith('idwise', 'journey-result-complete', JOURNEY);
    const report = await enrichment().reconcile({ vendor: 'idwise' }, PAST_WINDOW());
    expect(report.entries.filter((entry) => entry.open.subject.id === JOURNEY)).toMatchObject([
      { outcome: 'queued' },
    ]);

    const resolved = await waitFor('the reconciled event', () =>
      details().find((d) => d.origin === 'reconciliation' && d.subject.id === JOURNEY),
    );
    expect(resolved).toMatchObject({
      vendor: 'idwise',
      vendorEventType: 'Journey Result',
      subject: { kind: 'journey', id: JOURNEY },
      status: 'approved',
      previousStatus: 'in_review',
      outOfOrder: false,
      findings: {
        decisions: [
          { by: 'final', word: 'Complete' },
          { by: 'system', word: 'Complete' },
        ],
      },
    });

    // Resolved, the subject is no longer open: the next sweep asks nothing about it.
    await waitFor('the subject to be closed', async () => {
      const after = await enrichment().reconcile({ dryRun: true }, PAST_WINDOW());
      return !after.entries.some((entry) => entry.open.subject.id === JOURNEY);
    });
  });

  it('stores what a second sweep learns again only once', async () => {
    const journey = 'journey-still-referred';
    await sendReferred(journey, 'referred-2');
    await waitFor('the subject to be open', async () => {
      const report = await enrichment().reconcile({ dryRun: true }, PAST_WINDOW());
      return report.entries.some((entry) => entry.open.subject.id === journey);
    });
    enrichment().standIn.answerWith('idwise', 'journey-result-refer', journey);
    await enrichment().reconcile({ vendor: 'idwise' }, PAST_WINDOW());
    await enrichment().reconcile({ vendor: 'idwise' }, PAST_WINDOW());
    // Both sweeps' messages are processed before counting.
    await waitForQueueDrained(used.test.clients.sqs, used.pipeline.urls.queue, 30_000);
    const reconciled = await waitFor('the reconciled event', () => {
      const found = details().filter(
        (d) => d.origin === 'reconciliation' && d.subject.id === journey,
      );
      return found.length > 0 && found;
    });
    // The vendor still refers it: one event (in_review, the same findings), and the subject stays open.
    expect(reconciled).toHaveLength(1);
    expect(reconciled[0]).toMatchObject({
      status: 'in_review',
      findings: { failedRules: ['under_age'] },
    });
    // Still referred, the subject stays open, its window counted again from the sweep's answer.
    await waitFor('the window to restart from the answer', async () => {
      const again = await enrichment().reconcile({ dryRun: true }, PAST_WINDOW());
      return !again.entries.some((entry) => entry.open.subject.id === journey);
    });
    const nextDay = await enrichment().reconcile(
      { dryRun: true },
      new Date(Date.now() + 50 * HOUR),
    );
    expect(nextDay.entries.some((entry) => entry.open.subject.id === journey)).toBe(true);
  });
});
