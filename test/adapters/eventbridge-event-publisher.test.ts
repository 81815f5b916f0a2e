import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { EventDetail, OutgoingEvent } from '../../lambdas/core/event.js';
import { EventBridgeEventPublisher } from '../../lambdas/adapters/eventbridge-event-publisher.js';
import { idwiseDetail } from '../support/deliveries.js';

const eventBridge = mockClient(EventBridgeClient);

function outgoing(n: number, extra: Partial<EventDetail> = {}): OutgoingEvent {
  return {
    source: 'kyc.idwise',
    detailType: 'KYC Verification Updated',
    detail: idwiseDetail(`idwise:e${n}`, { subject: { kind: 'journey', id: `j${n}` }, ...extra }),
  };
}

describe('EventBridgeEventPublisher', () => {
  const publisher = new EventBridgeEventPublisher(
    new EventBridgeClient({ region: 'us-east-1' }),
    'kyc-bus',
  );

  beforeEach(() => {
    eventBridge.reset();
    eventBridge.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ({
      FailedEntryCount: 0,
      Entries: input.Entries.map((_, i) => ({ EventId: `id-${i}` })),
    }));
  });

  it('maps each event to an entry on the bus with the vendor time', async () => {
    await publisher.publish([outgoing(1)]);
    const [call] = eventBridge.commandCalls(PutEventsCommand);
    expect(call?.args[0].input.Entries).toEqual([
      {
        EventBusName: 'kyc-bus',
        Source: 'kyc.idwise',
        DetailType: 'KYC Verification Updated',
        Detail: JSON.stringify(outgoing(1).detail),
        Time: new Date('2026-01-01T00:00:00.000Z'),
      },
    ]);
  });

  it('sends at most 10 entries per call', async () => {
    const outcomes = await publisher.publish(Array.from({ length: 25 }, (_, i) => outgoing(i)));
    const sizes = eventBridge
      .commandCalls(PutEventsCommand)
      .map((c) => c.args[0].input.Entries?.length);
    expect(sizes).toEqual([10, 10, 5]);
    expect(outcomes).toHaveLength(25);
    expect(outcomes.every((o) => o.ok)).toBe(true);
  });

  it('splits calls so their entries together stay within one entry limit', async () => {
    const big = 'x'.repeat(600_000);
    await publisher.publish([
      outgoing(1, { payload: big }),
      outgoing(2, { payload: big }),
      outgoing(3),
    ]);
    const sizes = eventBridge
      .commandCalls(PutEventsCommand)
      .map((c) => c.args[0].input.Entries?.length);
    expect(sizes).toEqual([1, 2]);
  });

  it('fails exactly the entries EventBridge reports as failed (HTTP 200, FailedEntryCount > 0)', async () => {
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [
        { EventId: 'a' },
        { ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' },
        { EventId: 'c' },
      ],
    });
    const outcomes = await publisher.publish([outgoing(1), outgoing(2), outgoing(3)]);
    expect(outcomes).toEqual([
      { ok: true },
      { ok: false, reason: 'ThrottlingException' },
      { ok: true },
    ]);
  });

  it('fails every entry of a call that fails whole, and only that call', async () => {
    let call = 0;
    eventBridge.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => {
      call += 1;
      if (call === 2) throw Object.assign(new Error('boom'), { name: 'InternalException' });
      return { FailedEntryCount: 0, Entries: input.Entries.map(() => ({ EventId: 'ok' })) };
    });
    const outcomes = await publisher.publish(Array.from({ length: 12 }, (_, i) => outgoing(i)));
    expect(outcomes.filter((o) => !o.ok)).toHaveLength(2);
    expect(outcomes.slice(10)).toEqual([
      { ok: false, reason: 'InternalException' },
      { ok: false, reason: 'InternalException' },
    ]);
  });

  it('treats a missing result entry as a failure', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
    expect(await publisher.publish([outgoing(1)])).toEqual([
      { ok: false, reason: 'missing result entry' },
    ]);
  });
});
