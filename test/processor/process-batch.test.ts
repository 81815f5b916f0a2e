import type { SQSRecord } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import type { EventStore } from '../../lambdas/core/ports.js';
import { idwiseMessage, sqsRecord } from '../support/deliveries.js';
import { crashOn } from '../support/memory-ports.js';
import { processorHarness } from '../support/processor-harness.js';

const harness = () =>
  processorHarness({ start: '2026-02-01T00:00:00.000Z', retentionDays: 30, vendor: 'idwise' });

const failedIds = (response: { batchItemFailures: { itemIdentifier: string }[] }) =>
  response.batchItemFailures.map((f) => f.itemIdentifier).sort();

describe('processor', () => {
  let h: ReturnType<typeof harness>;
  beforeEach(() => {
    h = harness();
  });

  it('stores, applies and publishes a delivery once', async () => {
    const response = await h.run([sqsRecord(idwiseMessage({ eventId: 'e1' }))]);

    expect(response.batchItemFailures).toEqual([]);
    expect(h.publisher.published).toHaveLength(1);
    const [event] = h.publisher.published;
    expect(event).toMatchObject({
      source: 'kyc.idwise',
      detailType: 'KYC Verification Updated',
      detail: {
        schemaVersion: '1',
        eventId: 'idwise:e1',
        vendor: 'idwise',
        status: 'approved',
        previousStatus: null,
        outOfOrder: false,
        occurredAt: '2026-01-01T00:00:00.000Z',
        receivedAt: '2026-01-01T00:00:00.000Z',
        subject: { kind: 'journey', id: '64f1c2a9b7e4d3a2c1b0f9e8' },
      },
    });
    const stored = h.store.events.get('idwise:e1');
    expect(stored?.publishedAt).toBeDefined();
    expect(stored?.leaseUntil).toBeUndefined();
    expect(stored?.rawBody).toBe(idwiseMessage({ eventId: 'e1' }).body);
    expect(h.store.subjects.get('idwise#journey#64f1c2a9b7e4d3a2c1b0f9e8')?.status).toBe(
      'approved',
    );
  });

  it('skips a delivery that was already published (vendor retry)', async () => {
    await h.run([sqsRecord(idwiseMessage({ eventId: 'e1' }))]);
    const response = await h.run([sqsRecord(idwiseMessage({ eventId: 'e1' }))]);

    expect(response.batchItemFailures).toEqual([]);
    expect(h.publisher.published).toHaveLength(1);
    expect(h.store.events.size).toBe(1);
  });

  it('publishes one event when two copies arrive in the same batch; the loser retries later', async () => {
    const a = sqsRecord(idwiseMessage({ eventId: 'e1' }), 'a');
    const b = sqsRecord(idwiseMessage({ eventId: 'e1' }), 'b');
    const first = await h.run([a, b]);

    expect(h.store.events.size).toBe(1);
    expect(h.publisher.published).toHaveLength(1);
    // The copy that lost the race may not publish while the winner holds the lease.
    expect(failedIds(first)).toEqual(['b']);

    h.afterVisibilityTimeout();
    const retry = await h.run([b]);
    expect(retry.batchItemFailures).toEqual([]);
    expect(h.publisher.published).toHaveLength(1);
  });

  it('gathers the whole batch into one publish call', async () => {
    const records = Array.from({ length: 10 }, (_, i) =>
      sqsRecord(idwiseMessage({ eventId: `e${i}`, journeyId: `j${i}` })),
    );
    await h.run(records);

    expect(h.publisher.calls).toHaveLength(1);
    expect(h.publisher.calls[0]).toHaveLength(10);
  });

  describe('ordering (no status regression)', () => {
    const at = (minute: number) => `2026-01-01T00:${String(minute).padStart(2, '0')}:00.000Z`;

    it.each([
      {
        name: 'publishes an older event as out of order and leaves the subject unchanged',
        first: { eventId: 'new', finalDecision: 'Rejected', minute: 5 },
        second: { eventId: 'old', finalDecision: 'Refer', minute: 1 },
        published: { status: 'in_review', outOfOrder: true, previousStatus: 'rejected' },
        subject: { status: 'rejected', eventId: 'idwise:new' },
      },
      {
        name: 'advances the subject in order and reports the previous status',
        first: { eventId: 'one', finalDecision: 'Refer', minute: 1 },
        second: { eventId: 'two', finalDecision: 'Approved', minute: 2 },
        published: { status: 'approved', outOfOrder: false, previousStatus: 'in_review' },
        subject: { status: 'approved', eventId: 'idwise:two' },
      },
    ])('$name', async ({ first, second, published, subject }) => {
      for (const { eventId, finalDecision, minute } of [first, second]) {
        await h.run([sqsRecord(idwiseMessage({ eventId, finalDecision, receivedAt: at(minute) }))]);
      }

      const event = h.publisher.published.find(
        (e) => e.detail.eventId === `idwise:${second.eventId}`,
      );
      expect(event?.detail).toMatchObject(published);
      expect(h.store.subjects.get('idwise#journey#64f1c2a9b7e4d3a2c1b0f9e8')).toMatchObject(
        subject,
      );
    });

    it('lets a terminal status win over a non-terminal one at the same time, in either order', async () => {
      await h.run([
        sqsRecord(
          idwiseMessage({ eventId: 'final', finalDecision: 'Approved', receivedAt: at(3) }),
        ),
      ]);
      await h.run([
        sqsRecord(idwiseMessage({ eventId: 'mid', finalDecision: 'Refer', receivedAt: at(3) })),
      ]);
      expect(h.store.subjects.get('idwise#journey#64f1c2a9b7e4d3a2c1b0f9e8')?.status).toBe(
        'approved',
      );

      const other = harness();
      await other.run([
        sqsRecord(idwiseMessage({ eventId: 'mid', finalDecision: 'Refer', receivedAt: at(3) })),
      ]);
      await other.run([
        sqsRecord(
          idwiseMessage({ eventId: 'final', finalDecision: 'Approved', receivedAt: at(3) }),
        ),
      ]);
      expect(other.store.subjects.get('idwise#journey#64f1c2a9b7e4d3a2c1b0f9e8')?.status).toBe(
        'approved',
      );
    });

    it('settles on the newest status when events for one subject race in one batch', async () => {
      const records = [5, 1, 4, 2, 3].map((minute) =>
        sqsRecord(
          idwiseMessage({
            eventId: `m${minute}`,
            finalDecision: minute === 5 ? 'Rejected' : 'Refer',
            receivedAt: at(minute),
          }),
        ),
      );
      const response = await h.run(records);

      expect(response.batchItemFailures).toEqual([]);
      expect(h.store.subjects.get('idwise#journey#64f1c2a9b7e4d3a2c1b0f9e8')).toMatchObject({
        status: 'rejected',
        eventId: 'idwise:m5',
      });
      expect(h.publisher.published).toHaveLength(5);
    });
  });

  describe('publication failures', () => {
    it('fails exactly the records whose entries EventBridge rejected (FailedEntryCount > 0)', async () => {
      const records = ['a', 'b', 'c'].map((id) =>
        sqsRecord(idwiseMessage({ eventId: id, journeyId: `j-${id}` }), id),
      );
      h.publisher.failNext((events) =>
        events.map((e) =>
          e.detail.eventId === 'idwise:b'
            ? { ok: false, reason: 'ThrottlingException' }
            : { ok: true },
        ),
      );
      const response = await h.run(records);

      expect(failedIds(response)).toEqual(['b']);
      expect(h.store.events.get('idwise:b')?.publishedAt).toBeUndefined();

      // Stored but unpublished is not a duplicate: the retry publishes it.
      h.afterVisibilityTimeout();
      const retry = await h.run([records[1] as SQSRecord]);
      expect(retry.batchItemFailures).toEqual([]);
      expect(h.publisher.published.map((e) => e.detail.eventId).sort()).toEqual([
        'idwise:a',
        'idwise:b',
        'idwise:c',
      ]);
    });

    it('fails every record when the PutEvents call fails whole, and publishes all on retry', async () => {
      const records = ['a', 'b'].map((id) =>
        sqsRecord(idwiseMessage({ eventId: id, journeyId: id }), id),
      );
      h.publisher.failNext(() => new Error('InternalException'));
      const response = await h.run(records);
      expect(failedIds(response)).toEqual(['a', 'b']);

      h.afterVisibilityTimeout();
      await h.run(records);
      expect(h.publisher.published).toHaveLength(2);
    });
  });

  describe('a crash between any two steps, then a retry', () => {
    type Step = { object: 'store' | 'publisher'; method: string; when: 'before' | 'after' };
    // The steps of a new event: it is read only once its write finds it stored.
    const steps: Step[] = [
      { object: 'store', method: 'getSubject', when: 'before' },
      { object: 'store', method: 'recordEvent', when: 'before' },
      { object: 'store', method: 'recordEvent', when: 'after' },
      { object: 'publisher', method: 'publish', when: 'before' },
      { object: 'publisher', method: 'publish', when: 'after' },
      { object: 'store', method: 'markPublished', when: 'before' },
      { object: 'store', method: 'markPublished', when: 'after' },
    ];

    it.each(steps)(
      '$method ($when) on the $object: one stored event, published, no regression',
      async (step) => {
        // The subject already holds a newer rejection; the crashing event is older.
        await h.run([
          sqsRecord(
            idwiseMessage({
              eventId: 'newer',
              finalDecision: 'Rejected',
              receivedAt: '2026-01-01T00:09:00.000Z',
            }),
          ),
        ]);
        await h.run([
          sqsRecord(
            idwiseMessage({
              eventId: 'current',
              journeyId: 'j2',
              receivedAt: '2026-01-01T00:05:00.000Z',
            }),
          ),
        ]);
        const record = sqsRecord(
          idwiseMessage({
            eventId: 'x',
            journeyId: 'j2',
            finalDecision: 'Refer',
            receivedAt: '2026-01-01T00:07:00.000Z',
          }),
          'x',
        );
        const crashing =
          step.object === 'store'
            ? {
                store: crashOn<EventStore>(h.store, step.method as keyof EventStore, {
                  when: step.when,
                }),
              }
            : { publisher: crashOn(h.publisher, 'publish', { when: step.when }) };

        const first = await h.run([record], crashing);
        expect(failedIds(first)).toEqual(['x']);

        h.afterVisibilityTimeout();
        const retry = await h.run([record]);
        expect(retry.batchItemFailures).toEqual([]);

        const publications = h.publisher.published.filter((e) => e.detail.eventId === 'idwise:x');
        // The one allowed duplicate: EventBridge took the entry but the published mark was never written.
        const mayDuplicate =
          (step.method === 'publish' && step.when === 'after') ||
          (step.method === 'markPublished' && step.when === 'before');
        expect(publications.length).toBe(mayDuplicate ? 2 : 1);
        expect(
          publications.every((e) => e.detail.status === 'in_review' && !e.detail.outOfOrder),
        ).toBe(true);
        expect(publications.every((e) => e.detail.previousStatus === 'approved')).toBe(true);
        expect([...h.store.events.keys()].filter((id) => id === 'idwise:x')).toHaveLength(1);
        expect(h.store.events.get('idwise:x')?.publishedAt).toBeDefined();
        expect(h.store.subjects.get('idwise#journey#j2')?.status).toBe('in_review');
        expect(h.store.subjects.get('idwise#journey#64f1c2a9b7e4d3a2c1b0f9e8')?.status).toBe(
          'rejected',
        );
      },
    );
  });

  describe('payload', () => {
    it('carries the parsed vendor body by default', async () => {
      await h.run([sqsRecord(idwiseMessage({ eventId: 'p' }))]);
      expect(h.publisher.published[0]?.detail.payload).toMatchObject({ event: 'Finished Journey' });
    });

    it('leaves the payload out when the deployment switches it off, and says so', async () => {
      await h.run([sqsRecord(idwiseMessage({ eventId: 'p' }))], { includePayload: false });
      const detail = h.publisher.published[0]?.detail;
      expect(detail?.payload).toBeUndefined();
      expect(detail?.payloadOmitted).toBe('disabled');
    });

    it('publishes without the payload when the entry would exceed EventBridge’s limit', async () => {
      const message = idwiseMessage({ eventId: 'big' });
      const padded = JSON.parse(message.body) as { body: Record<string, unknown> };
      padded.body['notes'] = 'x'.repeat(1_100_000);
      await h.run([sqsRecord({ ...message, body: JSON.stringify(padded) })]);
      const detail = h.publisher.published[0]?.detail;
      expect(detail?.payloadOmitted).toBe('too_large');
      expect(detail?.status).toBe('approved');
    });
  });

  describe('poison messages', () => {
    it.each([
      ['not JSON', 'not json at all'],
      ['missing fields', JSON.stringify({ vendor: 'idwise' })],
      ['unknown vendor', JSON.stringify({ ...idwiseMessage({ eventId: 'e' }), vendor: 'nobody' })],
    ])('fails only the poison record (%s)', async (_name, body) => {
      const good = sqsRecord(idwiseMessage({ eventId: 'good' }), 'good');
      const poison = sqsRecord(body, 'poison');
      const response = await h.run([good, poison]);

      expect(failedIds(response)).toEqual(['poison']);
      expect(h.publisher.published.map((e) => e.detail.eventId)).toEqual(['idwise:good']);
    });
  });
});
