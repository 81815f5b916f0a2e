import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { EventDetail } from '../../lambdas/core/event.js';
import { useTestPipeline } from '../support/local-pipeline.js';
import { waitFor } from '../support/wait.js';
import { publishedDetails, readArchived, sendBody } from './enrichment-support.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CALLBACK = readFileSync(join(ROOT, 'test/fixtures/truuth/callback-pass.json'), 'utf8');
const REPORT = readFileSync(join(ROOT, 'test/fixtures/truuth/api/report.pdf'));
/** The fixture's link, written by hand: the test points it at the stand-in. */
const FIXTURE_LINK =
  'https://reports.example.com/fixtures/6f1c2a9e/report.pdf?X-Amz-Expires=900&X-Amz-Signature=0000fixture0000';
const SIGNATURE = 'X-Amz-Signature=live0000credential';
const VERIFICATION_ID = '6f1c2a9e-3b7d-4c5e-9a10-2f8b7e4d1c01';

const used = useTestPipeline({ visibilityTimeoutSeconds: 6 });

describe('Truuth report archiving in local mode', () => {
  it('archives a callback’s report byte for byte and publishes its object key; no published payload holds a live link', async () => {
    const enrichment = used.test.pipeline.enrichment;
    if (!enrichment) throw new Error('local mode started no enrichment');
    const base = enrichment.standIn.baseUrlFor('truuth');
    expect(CALLBACK).toContain(FIXTURE_LINK);
    const link = `${base}/report.pdf?X-Amz-Expires=900&${SIGNATURE}`;
    await sendBody(used.test, 'truuth', CALLBACK.replace(FIXTURE_LINK, link));

    const callback = await waitFor(
      'the callback',
      () =>
        publishedDetails(used.test).find(
          (d) => d.vendorEventType === 'Callback' && d.subject.id === VERIFICATION_ID,
        ),
      30_000,
    );
    const archived: EventDetail = await waitFor(
      'the Reports Archived event',
      () =>
        publishedDetails(used.test).find(
          (d) => d.origin === 'enrichment' && d.findings?.confirmsEventId === callback.eventId,
        ),
      30_000,
    );
    expect(archived).toMatchObject({
      vendor: 'truuth',
      vendorEventType: 'Reports Archived',
      subject: { kind: 'verification', id: VERIFICATION_ID },
      status: 'approved',
    });
    const keys = archived.findings?.archived ?? [];
    expect(keys.map((k) => k.field)).toEqual(['reportUrls.verificationReport']);
    expect(keys[0]!.key).toMatch(/^truuth\/[0-9a-f]{32}\/reportUrls\.verificationReport$/);

    // The callback's payload carries the link without its query; no published event holds it.
    const payload = JSON.stringify(callback.payload);
    expect(payload).toContain(`"${base}/report.pdf"`);
    const everything = JSON.stringify(publishedDetails(used.test));
    expect(everything).not.toContain(SIGNATURE);
    expect(enrichment.standIn.requests).toContainEqual({ vendor: 'truuth', path: '/report.pdf' });

    const { bytes, contentType } = await readArchived(enrichment, keys[0]!.key);
    expect(bytes.equals(REPORT)).toBe(true);
    expect(contentType).toBe('application/pdf');
  });
});
