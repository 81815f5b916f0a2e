import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseBaseCredentials } from '../../lambdas/core/credentials.js';
import type { QueueMessage } from '../../lambdas/core/queue-message.js';
import { ondato } from '../../lambdas/vendors/ondato.js';
import { sqsRecord } from '../support/deliveries.js';
import { processorHarness } from '../support/processor-harness.js';

const FIXTURES = new URL('../fixtures/ondato/', import.meta.url);
const SECRET = JSON.parse(readFileSync(new URL('credentials.json', FIXTURES), 'utf8')) as Record<
  string,
  unknown
>;
const CREDENTIALS = ondato.parseCredentials(SECRET, parseBaseCredentials(SECRET, 'ondato'));
const BASIC = (SECRET['authorization'] as string[])[0] ?? '';

/** The KYC identification every `kyc-identification-*` fixture (except the rejections) is about. */
const KYC_ID = 'e8d2c6a4-1b7f-4c9e-8a3d-5f6b2e9c1a47';
const KYC_KEY = `ondato#kycIdentification#${KYC_ID}`;

type Envelope = Record<string, unknown> & { payload: Record<string, unknown> };

function fixture(name: string): string {
  return readFileSync(new URL(`${name}.json`, FIXTURES), 'utf8');
}

function edit(name: string, change: (envelope: Envelope) => void): string {
  const envelope = JSON.parse(fixture(name)) as Envelope;
  change(envelope);
  return JSON.stringify(envelope);
}

let received = 0;

/** The delivery as ingest would queue it, with the dedup id `ondato.verify` gives it. */
function message(body: string): QueueMessage {
  const verification = ondato.verify(
    {
      route: '/webhooks/ondato',
      body,
      headers: { authorization: BASIC },
      sourceIp: '20.31.10.47',
      now: new Date('2026-06-01T12:00:00.000Z'),
    },
    CREDENTIALS,
  );
  if (!verification.ok) throw new Error(`fixture refused: ${verification.reason}`);
  received += 1;
  return {
    vendor: 'ondato',
    route: '/webhooks/ondato',
    // Arrival order, a minute apart: later arrivals are not newer events.
    receivedAt: new Date(Date.parse('2026-06-01T12:00:00.000Z') + received * 60_000).toISOString(),
    requestId: `req-${received}`,
    sourceIp: '20.31.10.47',
    dedupId: verification.dedupId,
    contentType: 'application/json',
    body,
  };
}

const harness = () =>
  processorHarness({ start: '2026-06-01T13:00:00.000Z', retentionDays: 30, vendor: 'ondato' });

const idOf = (name: string) => String((JSON.parse(fixture(name)) as Envelope)['id']);

describe('ondato through the processor: out-of-order deliveries', () => {
  let h: ReturnType<typeof harness>;
  beforeEach(() => {
    h = harness();
  });

  it('keeps a KYC identification approved when its earlier Processed event arrives after Approved', async () => {
    await h.run([sqsRecord(message(fixture('kyc-identification-approved')))]);
    await h.run([sqsRecord(message(fixture('kyc-identification-processed')))]);

    const [processed] = h.published(idOf('kyc-identification-processed'));
    expect(processed).toMatchObject({
      source: 'kyc.ondato',
      detailType: 'KYC Verification Updated',
      detail: {
        vendorEventType: 'KycIdentification.Processed',
        subject: { kind: 'kycIdentification', id: KYC_ID },
        status: 'in_review',
        previousStatus: 'approved',
        outOfOrder: true,
        occurredAt: '2025-03-14T09:26:52.880Z',
      },
    });
    expect(h.published(idOf('kyc-identification-approved'))[0]?.detail).toMatchObject({
      status: 'approved',
      outOfOrder: false,
      previousStatus: null,
    });
    expect(h.store.subjects.get(KYC_KEY)).toMatchObject({
      status: 'approved',
      eventId: `ondato:${idOf('kyc-identification-approved')}`,
      occurredAt: '2025-03-14T10:03:27.045Z',
    });
    expect(h.store.events.size).toBe(2);
  });

  it('settles on the newest event when a whole KYC sequence arrives in reverse', async () => {
    const sequence = [
      'kyc-identification-updated',
      'kyc-identification-approved',
      'kyc-identification-processed',
      'kyc-identification-created',
    ];
    for (const name of sequence) await h.run([sqsRecord(message(fixture(name)))]);

    expect(
      h.publisher.published.map((e) => [e.detail.vendorEventType, e.detail.outOfOrder]),
    ).toEqual([
      ['KycIdentification.Updated', false],
      ['KycIdentification.Approved', true],
      ['KycIdentification.Processed', true],
      ['KycIdentification.Created', true],
    ]);
    expect(h.store.subjects.get(KYC_KEY)).toMatchObject({
      status: 'approved',
      eventId: `ondato:${idOf('kyc-identification-updated')}`,
    });
  });

  it('stores and publishes one event for duplicates of the same Id', async () => {
    const body = fixture('kyc-identification-approved');
    // Ondato may send an event again even after a 2xx; a retry may be serialized differently.
    const reserialized = JSON.stringify(JSON.parse(body), null, 2);
    const first = await h.run([sqsRecord(message(body), 'a'), sqsRecord(message(body), 'b')]);
    h.afterVisibilityTimeout();
    const retries = await h.run(
      first.batchItemFailures.map(({ itemIdentifier }) => sqsRecord(message(body), itemIdentifier)),
    );
    await h.run([sqsRecord(message(reserialized)), sqsRecord(message(body))]);

    expect(retries.batchItemFailures).toEqual([]);
    expect(h.store.events.size).toBe(1);
    expect(h.published(idOf('kyc-identification-approved'))).toHaveLength(1);
    expect(h.publisher.published).toHaveLength(1);
    expect(h.store.subjects.get(KYC_KEY)).toMatchObject({ status: 'approved', version: 1 });
  });

  it('keeps a KYC identification rejected when an older Created event arrives afterwards', async () => {
    const rejectedBody = fixture('kyc-identification-rejected');
    const subjectId = String((JSON.parse(rejectedBody) as Envelope).payload['id']);
    const createdBody = edit('kyc-identification-created', (envelope) => {
      envelope['id'] = '2c6e9a3f-8d1b-4f7e-a5c2-6b9d3e1f8a47';
      envelope.payload['id'] = subjectId;
    });
    await h.run([sqsRecord(message(rejectedBody))]);
    await h.run([sqsRecord(message(createdBody))]);

    const created = h.publisher.published.find(
      (e) => e.detail.vendorEventType === 'KycIdentification.Created',
    );
    expect(created?.detail).toMatchObject({
      subject: { kind: 'kycIdentification', id: subjectId },
      status: 'in_progress',
      previousStatus: 'rejected',
      outOfOrder: true,
    });
    expect(h.store.subjects.get(`ondato#kycIdentification#${subjectId}`)).toMatchObject({
      status: 'rejected',
      eventId: `ondato:${idOf('kyc-identification-rejected')}`,
    });
    expect(h.store.events.size).toBe(2);
  });

  it('orders each resource on its own: an IDV event does not hold back its KYC identification', async () => {
    // The IDV aborted a day after the KYC identification was approved: different subjects.
    await h.run([sqsRecord(message(fixture('identity-verification-status-changed-aborted')))]);
    await h.run([sqsRecord(message(fixture('kyc-identification-approved')))]);

    expect(h.publisher.published.map((e) => e.detail.outOfOrder)).toEqual([false, false]);
    expect([...h.store.subjects.keys()].sort()).toEqual([
      'ondato#identityVerification#c1e4a7b2-5d8f-4e3a-9b6c-2f7e1d4a8b35',
      KYC_KEY,
    ]);
  });

  it('lets a later document deletion win over its validation, whatever the arrival order', async () => {
    const validated = edit('kyb-document-updated-invalidated', (envelope) => {
      envelope['id'] = '4d7a1e9c-2f5b-4c8e-b3a6-9e1d7c4f2a58';
      envelope.payload['status'] = 'Validated';
    });
    await h.run([sqsRecord(message(fixture('kyb-document-deleted')))]);
    await h.run([sqsRecord(message(validated))]);

    const key = 'ondato#kybDocument#7d2a9c4e-3f6b-4d8a-b1e5-9c7f2a6d4e83';
    expect(h.store.subjects.get(key)).toMatchObject({ status: 'cancelled' });
    expect(h.publisher.published[1]?.detail).toMatchObject({
      status: 'approved',
      outOfOrder: true,
    });
  });

  it("leaves a KYC identification's verdict on the KYC identification: its IDV keeps its own status", async () => {
    // Approved automatically while the person was still in the flow, then the IDV's own
    // StatusChanged: Completed, later in vendor time. Were the verdict copied onto the IDV, that
    // later Completed would move it from approved back to in_review (see normalizeOndato).
    const verdictBody = fixture('kyc-identification-approved-before-idv-completed');
    const verdict = JSON.parse(verdictBody) as Envelope;
    const idvId = String(verdict.payload['identityVerificationId']);
    const kycId = String(verdict.payload['id']);
    const completed = edit('identity-verification-status-changed', (envelope) => {
      envelope['id'] = '3f7b1d9e-5a2c-4e8f-b6d3-9a1e4c7f2b50';
      envelope['createdUtc'] = '2025-03-20T14:07:40.1200000';
      envelope.payload['id'] = idvId;
    });
    for (const order of [
      [verdictBody, completed],
      [completed, verdictBody],
    ]) {
      const fresh = harness();
      for (const body of order) await fresh.run([sqsRecord(message(body))]);

      const details = fresh.publisher.published.map((e) => e.detail);
      expect(details).toHaveLength(2);
      expect(details.find((d) => d.subject.kind === 'kycIdentification')).toMatchObject({
        eventId: `ondato:${String(verdict['id'])}`,
        subject: { id: kycId, parent: { kind: 'identityVerification', id: idvId } },
        status: 'approved',
        scope: 'verification',
        outOfOrder: false,
        previousStatus: null,
      });
      expect(details.filter((d) => d.subject.kind === 'identityVerification')).toEqual([
        expect.objectContaining({
          vendorEventType: 'IdentityVerification.StatusChanged',
          status: 'in_review',
          scope: 'verification',
          previousStatus: null,
          outOfOrder: false,
        }),
      ]);
      expect(fresh.store.subjects.get(`ondato#identityVerification#${idvId}`)).toMatchObject({
        status: 'in_review',
        previousStatus: null,
      });
      expect(fresh.store.subjects.get(`ondato#kycIdentification#${kycId}`)).toMatchObject({
        status: 'approved',
      });
    }
  });

  it('keeps a form completed when its earlier Updated event arrives afterwards', async () => {
    await h.run([sqsRecord(message(fixture('form-completed')))]);
    await h.run([sqsRecord(message(fixture('form-updated')))]);

    const key = 'ondato#form#8e1c4a7d-2b5f-4d9e-a3c6-7f2b8d1e5a49';
    expect(h.store.subjects.get(key)).toMatchObject({
      status: 'in_review',
      eventId: `ondato:${idOf('form-completed')}`,
    });
    expect(h.published(idOf('form-updated'))[0]?.detail).toMatchObject({
      status: 'in_progress',
      scope: 'step',
      previousStatus: 'in_review',
      outOfOrder: true,
    });
  });

  it('stores and publishes an authenticated body that is not a JSON object, once', async () => {
    const body = "not json, but sent with Ondato's credential";
    await h.run([sqsRecord(message(body))]);
    await h.run([sqsRecord(message(body))]);

    expect(h.publisher.published).toHaveLength(1);
    expect(h.publisher.published[0]).toMatchObject({
      source: 'kyc.ondato',
      detailType: 'KYC Vendor Event',
      detail: {
        vendorEventType: 'unknown',
        status: 'unknown',
        scope: 'other',
        vendorStatus: null,
        payload: body,
      },
    });
    expect(h.store.events.size).toBe(1);
  });
});
