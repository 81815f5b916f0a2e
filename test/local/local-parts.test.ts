import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBaseCredentials } from '../../lambdas/core/credentials.js';
import { ConfigurationError } from '../../lambdas/core/errors.js';
import { BUILT_IN_VENDORS } from '../../lambdas/vendors/registry.js';
import { toApiGatewayEvent } from '../../local/api-gateway-event.js';
import { FileSecretSource } from '../../local/file-secret-source.js';
import { SqsPoller, type PollerOptions } from '../../local/poller.js';
import { DEFAULT_PATHS, secretsFileFrom } from '../../local/project-paths.js';
import { createQueues } from '../../local/resources.js';
import { useTestEngines } from '../support/local-pipeline.js';
import { waitFor } from '../support/wait.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

let tempDir: string;
beforeAll(() => {
  tempDir = mkdtempSync(join(tmpdir(), 'kyc-local-parts-'));
});
afterAll(() => rmSync(tempDir, { recursive: true, force: true }));

describe('config/local-secrets.json', () => {
  const secrets = JSON.parse(
    readFileSync(join(ROOT, 'config/local-secrets.json'), 'utf8'),
  ) as Record<string, Record<string, unknown>>;

  // The shipped vendors: a vendor defined in the tests brings its secret with it.
  it.each(BUILT_IN_VENDORS.map((vendor) => [vendor.id, vendor] as const))(
    'holds %s credentials its own parser accepts',
    (id, vendor) => {
      const secret = secrets[id];
      expect(secret, `add a "${id}" entry to config/local-secrets.json`).toBeDefined();
      const credentials = vendor.parseCredentials(secret ?? {}, parseBaseCredentials(secret, id));
      // Development values must authenticate something: a vendor left open would hide bugs.
      expect(credentials.allowUnauthenticated).toBe(false);
    },
  );
});

describe('FileSecretSource', () => {
  it('re-reads the file after an edit, and names the file when a vendor is missing', async () => {
    const file = join(tempDir, 'secrets.json');
    writeFileSync(file, JSON.stringify({ treezor: { webhookSecrets: ['one'] } }));
    const source = new FileSecretSource(file);
    const first = await source.get('treezor');
    expect(first).toEqual({ webhookSecrets: ['one'] });
    // Unchanged file: the same object, so ingest's per-secret parse cache keeps working.
    expect(await source.get('treezor')).toBe(first);

    writeFileSync(file, JSON.stringify({ treezor: { webhookSecrets: ['one', 'two'] } }));
    expect(await source.get('treezor')).toEqual({ webhookSecrets: ['one', 'two'] });

    const missing = source.get('idwise');
    await expect(missing).rejects.toThrow(ConfigurationError);
    await expect(missing).rejects.toThrow(file);
  });

  it('explains a missing or broken file', async () => {
    await expect(new FileSecretSource(join(tempDir, 'absent.json')).get('x')).rejects.toThrow(
      /cannot be read.*KYC_LOCAL_SECRETS/,
    );
    const broken = join(tempDir, 'broken.json');
    writeFileSync(broken, '{"treezor": ');
    await expect(new FileSecretSource(broken).get('treezor')).rejects.toThrow(/not valid JSON/);
  });

  it('reads KYC_LOCAL_SECRETS, else the committed development file', () => {
    expect(secretsFileFrom({})).toBe(DEFAULT_PATHS.secretsFile);
    expect(secretsFileFrom({ KYC_LOCAL_SECRETS: join(tempDir, 's.json') })).toBe(
      join(tempDir, 's.json'),
    );
  });
});

describe('API Gateway event mapping', () => {
  /** Sends one raw request to a throwaway server and returns the event built from it. */
  async function eventFor(options: {
    path: string;
    headers: Record<string, string | string[]>;
    body: Buffer;
  }): Promise<APIGatewayProxyEventV2> {
    let captured: APIGatewayProxyEventV2 | undefined;
    const server = createServer((request: IncomingMessage, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        captured = toApiGatewayEvent({
          request,
          body: Buffer.concat(chunks),
          routeKey: 'POST /webhooks/treezor',
          now: new Date('2024-03-05T06:07:08.009Z'),
          requestId: 'req-1',
        });
        response.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve, reject) => {
      const request = httpRequest(
        { host: '127.0.0.1', port, method: 'POST', path: options.path },
        (response) => {
          response.resume();
          response.on('end', resolve);
        },
      );
      for (const [name, value] of Object.entries(options.headers)) request.setHeader(name, value);
      request.on('error', reject);
      request.end(options.body);
    });
    await new Promise((resolve) => server.close(resolve));
    if (!captured) throw new Error('no event captured');
    return captured;
  }

  it('gives the handler what API Gateway would', async () => {
    const event = await eventFor({
      path: '/webhooks/treezor?a=1&a=2&b=x',
      headers: {
        'Content-Type': 'application/json; charset=utf-8',
        'X-Repeated': ['one', 'two'],
        'X-Forwarded-For': '203.0.113.7',
        Cookie: 'c1=v1; c2=v2',
        'User-Agent': 'test-agent',
      },
      body: Buffer.from('{"é":1}'),
    });
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'POST /webhooks/treezor',
      rawPath: '/webhooks/treezor',
      rawQueryString: 'a=1&a=2&b=x',
      queryStringParameters: { a: '1,2', b: 'x' },
      cookies: ['c1=v1', 'c2=v2'],
      body: '{"é":1}',
      isBase64Encoded: false,
      requestContext: {
        requestId: 'req-1',
        routeKey: 'POST /webhooks/treezor',
        stage: '$default',
        time: '05/Mar/2024:06:07:08 +0000',
        timeEpoch: Date.parse('2024-03-05T06:07:08.009Z'),
        http: {
          method: 'POST',
          path: '/webhooks/treezor',
          protocol: 'HTTP/1.1',
          // The socket's peer, never the X-Forwarded-For the caller wrote.
          sourceIp: '127.0.0.1',
          userAgent: 'test-agent',
        },
      },
    });
    expect(event.headers['x-repeated']).toBe('one,two');
    expect(event.headers['x-forwarded-for']).toBe('203.0.113.7');
    expect(event.headers['cookie']).toBeUndefined();
  });

  it('base64-encodes bodies that are not text, or not valid UTF-8', async () => {
    const bytes = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
    for (const contentType of ['application/octet-stream', 'application/json']) {
      const event = await eventFor({
        path: '/webhooks/treezor',
        headers: { 'content-type': contentType },
        body: bytes,
      });
      expect(event.isBase64Encoded).toBe(true);
      expect(Buffer.from(event.body ?? '', 'base64')).toEqual(bytes);
    }
    const form = await eventFor({
      path: '/webhooks/treezor',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: Buffer.from('a=1'),
    });
    expect(form).toMatchObject({
      isBase64Encoded: true,
      body: Buffer.from('a=1').toString('base64'),
    });
  });
});

describe('SqsPoller', () => {
  const local = useTestEngines();

  /**
   * The tests' queues, with 1 s, the shortest useful visibility timeout (never 0 with
   * local-aws-sqs, DESIGN §7); the same for each test, as local-aws-sqs refuses a queue again
   * with other attributes.
   */
  const testQueues = () =>
    createQueues(local.clients.sqs, { visibilityTimeoutSeconds: 1, maxReceiveCount: 2 });

  /** A quiet poller of `queues` that receives without waiting. */
  const pollerOf = (
    queues: { queueUrl: string; queueArn: string },
    options: Pick<PollerOptions, 'handler' | 'invocationMs' | 'idleMs'>,
  ): SqsPoller =>
    new SqsPoller({
      sqs: local.clients.sqs,
      queueUrl: queues.queueUrl,
      queueArn: queues.queueArn,
      region: 'us-east-1',
      waitTimeSeconds: 0,
      log: { error: () => undefined },
      ...options,
    });

  it('deletes what succeeded, redelivers what failed, and dead-letters it after maxReceiveCount', async () => {
    const queues = await testQueues();
    const seen: SQSRecord[] = [];
    const poller = pollerOf(queues, {
      invocationMs: 500,
      handler: async (event, context) => {
        expect(context.getRemainingTimeInMillis()).toBeGreaterThan(0);
        seen.push(...event.Records);
        return {
          batchItemFailures: event.Records.filter((record) => record.body === 'poison').map(
            (record) => ({ itemIdentifier: record.messageId }),
          ),
        };
      },
    });
    for (const body of ['fine', 'poison']) {
      await local.clients.sqs.send(
        new SendMessageCommand({ QueueUrl: queues.queueUrl, MessageBody: body }),
      );
    }
    poller.start();
    try {
      await waitFor('two receives of the poison message', () =>
        seen.some((r) => r.body === 'poison' && r.attributes.ApproximateReceiveCount === '2'),
      );
    } finally {
      await poller.stop();
    }

    expect(seen.filter((record) => record.body === 'fine')).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      eventSource: 'aws:sqs',
      eventSourceARN: queues.queueArn,
      awsRegion: 'us-east-1',
    });
    // After its last visibility timeout the poison message moves to the DLQ, nothing is lost.
    let dead: string[] = [];
    const deadline = Date.now() + 5_000;
    while (dead.length === 0 && Date.now() < deadline) {
      const { Messages = [] } = await local.clients.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queues.deadLetterQueueUrl, WaitTimeSeconds: 0 }),
      );
      dead = Messages.map((message) => message.Body ?? '');
      if (dead.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(dead).toEqual(['poison']);
  });

  it('receives at once when woken, rather than after its idle pause', async () => {
    const queues = await testQueues();
    const seen: string[] = [];
    const poller = pollerOf(queues, {
      invocationMs: 5_000,
      // Far longer than the test may take: only wake() can get the message received in time.
      idleMs: 10 * 60_000,
      handler: async (event) => {
        seen.push(...event.Records.map((record) => record.body));
        return { batchItemFailures: [] };
      },
    });
    poller.start();
    try {
      // The first (empty) receive has run and the poller is idle by the time this is sent.
      await new Promise((resolve) => setTimeout(resolve, 500));
      await local.clients.sqs.send(
        new SendMessageCommand({ QueueUrl: queues.queueUrl, MessageBody: 'queued' }),
      );
      poller.wake();
      await waitFor('the woken poller to receive the message', () => seen.includes('queued'));
    } finally {
      await poller.stop();
    }
  });
});
