import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HttpsLinkFetcher } from '../../lambdas/adapters/https-link-fetcher.js';
import { ConfigurationError } from '../../lambdas/core/errors.js';
import type { EventDetail } from '../../lambdas/core/event.js';
import type { StoredEvent } from '../../lambdas/core/ports.js';
import { readApiCredentials, type ApiFindingsMessage } from '../../lambdas/core/vendor-api.js';
import { enrichEvent, type EnrichDeps } from '../../lambdas/enrichment/enrich-event.js';
import type { ResultArchive } from '../../lambdas/enrichment/ports.js';
import { toOutgoing } from '../../lambdas/processor/process-record.js';
import { truuth } from '../../lambdas/vendors/truuth.js';
import { parsedCredentials } from '../support/credentials.js';
import { MemoryEventStore, MemoryQueue, StaticSecretSource } from '../support/memory-ports.js';

const PASS = readFileSync(
  fileURLToPath(new URL('../fixtures/truuth/callback-pass.json', import.meta.url)),
  'utf8',
);
/** Written from the fixture by hand, not from the code under test. */
const LINK =
  'https://reports.example.com/fixtures/6f1c2a9e/report.pdf?X-Amz-Expires=900&X-Amz-Signature=0000fixture0000';
const UNSIGNED = 'https://reports.example.com/fixtures/6f1c2a9e/report.pdf';
const EVENT_ID = 'truuth:callback:example';

const detail: EventDetail = {
  schemaVersion: '1',
  eventId: EVENT_ID,
  vendor: 'truuth',
  vendorEventType: 'Callback',
  subject: { kind: 'verification', id: '6f1c2a9e-3b7d-4c5e-9a10-2f8b7e4d1c01' },
  status: 'approved',
  scope: 'verification',
  vendorStatus: 'status=DONE outcomes=PASS,PASS,PASS',
  previousStatus: null,
  outOfOrder: false,
  occurredAt: '2026-01-01T00:00:00.000Z',
  receivedAt: '2026-01-01T00:00:00.000Z',
};

function stored(rawBody: string): StoredEvent {
  return {
    detail,
    detailType: 'KYC Verification Updated',
    subjectKey: `truuth#verification#${detail.subject.id}`,
    route: '/webhooks/truuth/callback',
    rawBody,
    expiresAt: 0,
  };
}

describe('Truuth report links', () => {
  it('are published without their query: no live link leaves the pipeline', () => {
    expect(PASS).toContain(LINK);
    const published = JSON.stringify(toOutgoing(stored(PASS), true).detail.payload);
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

/** The published callback as the bus hands it to the worker (no payload: the worker reads the store). */
const trigger = JSON.stringify({ 'detail-type': 'KYC Verification Updated', detail });

function depsWith(rawBody: string, secret: Record<string, unknown>) {
  const events = new MemoryEventStore();
  events.events.set(EVENT_ID, stored(rawBody));
  const objects = new Map<string, string | Uint8Array>();
  const archive: ResultArchive = {
    put: async (key, body) => void objects.set(key, body),
  };
  const queue = new MemoryQueue();
  const deps = {
    secrets: new StaticSecretSource({ truuth: secret }),
    api: { call: () => Promise.reject(new Error('Truuth has no API to call')) },
    archive,
    queue,
    now: () => new Date('2026-01-01T00:01:00.000Z'),
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
    subjects: {
      get: async () => undefined,
      put: async () => undefined,
      delete: async () => undefined,
    },
    events,
    // As deployed: no exemption.
    links: new HttpsLinkFetcher({ maxBytes: 1024, timeoutMs: 10_000 }),
  } as unknown as EnrichDeps;
  return { deps, objects, queue };
}

describe('the worker, as deployed, after a Truuth callback', () => {
  it('refuses a link to an internal address for good, and still reports the callback archived (nothing of it)', async () => {
    const body = PASS.replace(LINK, 'https://169.254.169.254/latest/meta-data/iam?x=1');
    const { deps, objects, queue } = depsWith(body, {});
    expect(await enrichEvent(trigger, deps)).toBe('queued');
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
    expect(await enrichEvent(trigger, deps)).toBe('queued');
    const message = JSON.parse(queue.messages[0]!.body) as ApiFindingsMessage;
    expect(message.reading.findings.archived).toEqual([]);
  });

  it('does nothing when the secret turns archiving off', async () => {
    const { deps, objects, queue } = depsWith(PASS, { api: { archive: false } });
    expect(await enrichEvent(trigger, deps)).toBe('not-configured');
    expect(objects.size).toBe(0);
    expect(queue.messages).toEqual([]);
  });
});
