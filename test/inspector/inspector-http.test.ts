import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DeliveryRecord } from '../../lambdas/core/delivery-log.js';
import { readRefusedDeliveries } from '../../local/inspector/deliveries.js';
import { sendDelivery } from '../../local/send-delivery.js';
import { SECRETS_FILE, useTestPipeline } from '../support/local-pipeline.js';
import { localBusEntries, waitFor } from '../support/wait.js';

/**
 * The inspector's HTTP surface, as a hostile page or a rebinding DNS name would meet it: it
 * answers only to its loopback names, takes changes only as JSON from its own origin, and tells
 * the browser to run its own script only.
 */

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

const used = useTestPipeline();
const port = (): number => Number(new URL(used.pipeline.urls.server).port);

/** node:http, because fetch will not send a `Host` other than the URL's. */
function send(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: port(),
        method,
        path,
        headers: { host: `localhost:${port()}`, ...headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const own = (): Record<string, string> => ({
  origin: `http://localhost:${port()}`,
  'content-type': 'application/json',
});

describe('the page', () => {
  it('is served at the root URL with a strict content security policy', async () => {
    const page = await send('GET', '/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('<script type="module" src="/inspector/inspector.js">');
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['x-content-type-options']).toBe('nosniff');

    const script = await send('GET', '/inspector/inspector.js');
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    // Data is written as text only.
    expect(script.body).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
  });

  it('leaves the webhook routes and the health check as they were', async () => {
    expect((await send('GET', '/health')).status).toBe(200);
    expect((await send('GET', '/webhooks/treezor')).status).toBe(405);
    expect((await send('GET', '/nothing-here')).status).toBe(404);
    expect((await send('GET', '/inspector/nothing-here')).status).toBe(404);
    expect((await send('DELETE', '/inspector/deliveries')).status).toBe(405);
  });
});

describe('requests it refuses', () => {
  it('answers no host name but its loopback names (DNS rebinding)', async () => {
    for (const host of [`attacker.example:${port()}`, `localhost:${port() + 1}`, 'localhost']) {
      const answer = await send('GET', '/inspector/deliveries', { host });
      expect(answer.status, host).toBe(403);
      expect(answer.body).not.toContain('deliveries');
    }
    expect(
      (await send('GET', '/inspector/deliveries', { host: `127.0.0.1:${port()}` })).status,
    ).toBe(200);
  });

  it('takes no change from another origin, or without one', async () => {
    const body = JSON.stringify({ eventId: 'treezor:anything' });
    const foreign = await send(
      'POST',
      '/inspector/replay',
      { ...own(), origin: 'https://attacker.example' },
      body,
    );
    expect(foreign.status).toBe(403);
    const { origin: _origin, ...noOrigin } = own();
    expect((await send('POST', '/inspector/replay', noOrigin, body)).status).toBe(403);
    expect(
      (await send('POST', '/inspector/redrive', { ...own(), origin: 'null' }, '{}')).status,
    ).toBe(403);
  });

  it('takes changes as JSON only (a cross-site form cannot send it)', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data']) {
      const answer = await send(
        'POST',
        '/inspector/replay',
        { ...own(), 'content-type': type },
        '{}',
      );
      expect(answer.status, type).toBe(415);
    }
  });

  it('answers a malformed change with what to send', async () => {
    const notJson = await send('POST', '/inspector/replay', own(), '{"eventId":');
    expect(notJson.status).toBe(400);
    const noId = await send('POST', '/inspector/replay', own(), '{}');
    expect(noId.status).toBe(400);
    expect(JSON.parse(noId.body)).toEqual({ message: 'Send {"eventId": "<vendor>:<id>"}' });
    const subject = await send('GET', '/inspector/subject?vendor=nobody&kind=user&id=1');
    expect(subject.status).toBe(400);
    const noReference = await send('GET', '/inspector/subjects?vendor=idwise&reference=');
    expect(noReference.status).toBe(400);
    for (const messageId of ['', 42, null]) {
      const redrive = await send(
        'POST',
        '/inspector/redrive',
        own(),
        JSON.stringify({ messageId }),
      );
      expect(redrive.status, String(messageId)).toBe(400);
      expect(JSON.parse(redrive.body)).toEqual({
        message: 'Send {} to redrive all, or {"messageId": "<id>"}',
      });
    }
  });

  it.each([
    [
      'redrives all of an empty dead-letter queue by starting nothing, and says why',
      '/inspector/redrive',
      {},
      expect.objectContaining({
        started: false,
        why: 'the dead-letter queue is empty',
        waiting: 0,
      }),
    ],
    [
      'redrives an unknown dead letter as gone, moving nothing',
      '/inspector/redrive',
      { messageId: 'no-such-message' },
      { moved: [], notDeleted: [] },
    ],
    [
      'replays an unknown event as missing, changing nothing',
      '/inspector/replay',
      { eventId: 'treezor:unknown' },
      expect.objectContaining({ eventId: 'treezor:unknown', outcome: 'missing' }),
    ],
  ])('%s', async (_name, path, body, expected) => {
    const answer = await send('POST', path, own(), JSON.stringify(body));
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual(expected);
  });
});

describe('the live stream', () => {
  const own = useTestPipeline();

  it('sends each published event, and ends when local mode stops', async () => {
    const { port: ownPort } = new URL(own.pipeline.urls.server);
    let received = '';
    const ended = new Promise<void>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: ownPort,
          path: '/inspector/events',
          headers: { host: `localhost:${ownPort}` },
        },
        (res) => {
          expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (received += chunk));
          res.on('end', resolve);
        },
      );
      req.on('error', reject);
      req.end();
    });
    const { status } = await sendDelivery({
      vendor: 'idwise',
      fixture: 'finished-journey-complete',
      port: Number(ownPort),
      secretsFile: SECRETS_FILE,
    });
    expect(status).toBe(200);
    const line = await waitFor('the event on the stream', () =>
      received.split('\n').find((text) => text.startsWith('data: ')),
    );
    const event = JSON.parse(line.slice('data: '.length)) as { Source: string; Detail: string };
    expect(event.Source).toBe('kyc.idwise');
    expect(localBusEntries(own.pipeline.eventsFile)).toEqual([event]);

    // An open page must not keep local mode from stopping.
    await own.test.stop();
    await ended;
  });
});

describe('reading the delivery log', () => {
  const record = (overrides: Partial<DeliveryRecord>): DeliveryRecord => ({
    receivedAt: '2026-03-01T10:00:00.000Z',
    vendor: 'bronid',
    route: '/webhooks/bronid',
    sourceIp: '203.0.113.7',
    requestId: 'r1',
    bodyBytes: 120,
    status: 401,
    result: 'refused',
    reason: 'invalid_signature',
    contentHash: 'a'.repeat(64),
    ...overrides,
  });

  it('tolerates a log not written yet, and a last line being written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kyc-inspector-'));
    try {
      const file = join(dir, 'deliveries.jsonl');
      expect(await readRefusedDeliveries(file, 10)).toEqual({ logged: false, deliveries: [] });

      const lines = [
        record({ requestId: 'r1' }),
        record({ requestId: 'r2', status: 200, result: 'accepted', contentHash: 'b'.repeat(64) }),
        record({ requestId: 'r3', receivedAt: '2026-03-01T10:01:00.000Z' }),
      ].map((r) => JSON.stringify(r));
      writeFileSync(file, `${lines.join('\n')}\nnot a record\n{"receivedAt":"2026-03-01T10:0`);
      const { logged, deliveries } = await readRefusedDeliveries(file, 10);
      expect(logged).toBe(true);
      // Refusals only, newest first, each with the attempts its content had.
      expect(deliveries.map((d) => [d.requestId, d.attempts])).toEqual([
        ['r3', 2],
        ['r1', 2],
      ]);
      expect((await readRefusedDeliveries(file, 1)).deliveries.map((d) => d.requestId)).toEqual([
        'r3',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
