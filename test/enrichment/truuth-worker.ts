import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { EventDetail } from '../../lambdas/core/event.js';
import type { StoredEvent } from '../../lambdas/core/ports.js';
import type { EnrichDeps } from '../../lambdas/enrichment/enrich-event.js';
import type { LinkFetcher, ResultArchive } from '../../lambdas/enrichment/ports.js';
import { MemoryEventStore, MemoryQueue, StaticSecretSource } from '../support/memory-ports.js';
import { approvedDetail } from '../support/deliveries.js';

/** Truuth's passing callback fixture, byte for byte. */
export const PASS = readFileSync(
  fileURLToPath(new URL('../fixtures/truuth/callback-pass.json', import.meta.url)),
  'utf8',
);
/** The fixture's one link, written from it by hand, not from the code under test. */
export const LINK =
  'https://reports.example.com/fixtures/6f1c2a9e/report.pdf?X-Amz-Expires=900&X-Amz-Signature=0000fixture0000';
export const EVENT_ID = 'truuth:callback:example';

/** The detail of the stored callback `eventId`, as the processor published it. */
export function callbackDetail(eventId = EVENT_ID): EventDetail {
  return approvedDetail(
    {
      eventId,
      vendor: 'truuth',
      vendorEventType: 'Callback',
      subject: { kind: 'verification', id: '6f1c2a9e-3b7d-4c5e-9a10-2f8b7e4d1c01' },
      vendorStatus: 'status=DONE outcomes=PASS,PASS,PASS',
    },
    { receivedAt: '2026-01-01T00:00:00.000Z' },
  );
}

/** The callback `eventId` as the event table holds it, with `rawBody` as Truuth sent it. */
export function storedCallback(rawBody: string, eventId = EVENT_ID): StoredEvent {
  const detail = callbackDetail(eventId);
  return {
    detail,
    detailType: 'KYC Verification Updated',
    subjectKey: `truuth#verification#${detail.subject.id}`,
    route: '/webhooks/truuth/callback',
    rawBody,
    expiresAt: 0,
  };
}

/** The published callback as the bus hands it to the worker (no payload: it reads the store). */
export function callbackTrigger(eventId = EVENT_ID): string {
  return JSON.stringify({
    'detail-type': 'KYC Verification Updated',
    detail: callbackDetail(eventId),
  });
}

/**
 * The worker's ports in memory around `links`, with the stored callbacks `bodies` (event id →
 * raw body): what it archived (`objects`), queued (`queue`) and logged (`lines`).
 */
export function truuthWorker(
  bodies: Readonly<Record<string, string>>,
  links: LinkFetcher,
  secret: Record<string, unknown> = {},
) {
  const events = new MemoryEventStore();
  for (const [eventId, rawBody] of Object.entries(bodies)) {
    events.events.set(eventId, storedCallback(rawBody, eventId));
  }
  const objects = new Map<string, string | Uint8Array>();
  const archive: ResultArchive = {
    put: async (key, body) => void objects.set(key, body),
  };
  const queue = new MemoryQueue();
  const lines: { level: string; message: string; attributes: unknown }[] = [];
  const logAt =
    (level: string) =>
    (message: string, attributes: unknown): void =>
      void lines.push({ level, message, attributes });
  const deps = {
    secrets: new StaticSecretSource({ truuth: secret }),
    api: { call: () => Promise.reject(new Error('Truuth has no API to call')) },
    archive,
    queue,
    now: () => new Date('2026-01-01T00:01:00.000Z'),
    log: { info: logAt('info'), warn: logAt('warn'), error: logAt('error') },
    subjects: {
      get: async () => undefined,
      put: async () => undefined,
      delete: async () => undefined,
    },
    events,
    links,
  } as unknown as EnrichDeps;
  return { deps, objects, queue, lines };
}
