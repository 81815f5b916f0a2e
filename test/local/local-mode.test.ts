import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { TABLE_SCHEMA } from '../../lambdas/adapters/dynamo-schema.js';
import type { SignedDelivery } from '../../lambdas/core/vendor.js';
import { findVendor } from '../../lambdas/vendors/registry.js';
import { sendDelivery, SendError } from '../../local/send-delivery.js';
import { localCredentials } from '../support/credentials.js';
import {
  SECRETS_FILE,
  treezorEventId,
  treezorReview,
  useTestPipeline,
} from '../support/local-pipeline.js';
import { freePort, runTsx, spawnNpmStart } from '../support/processes.js';
import {
  localBusEntries,
  publishedWithId,
  waitFor,
  waitForQueueDrained,
  type PublishedEvent,
} from '../support/wait.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURES = join(ROOT, 'test/fixtures');
/** The eventId of the `user.create` fixture: the digest of its signed payload. */
const USER_CREATE_EVENT_ID = `treezor:${
  (
    JSON.parse(readFileSync(join(FIXTURES, 'treezor/user.create.expected.json'), 'utf8')) as {
      dedupId: string;
    }
  ).dedupId
}`;

const used = useTestPipeline();
let documents: DynamoDBDocumentClient;

beforeAll(() => {
  documents = DynamoDBDocumentClient.from(used.test.clients.dynamodb);
});

/* ------------------------------------------------------------------------------- helpers */

function fixture(vendor: string, name: string): string {
  return readFileSync(join(FIXTURES, vendor, `${name}.json`), 'utf8');
}

/** Signs a body the way the vendor would, with the local development credentials. */
function sign(vendorId: string, body: string): SignedDelivery & { route: string } {
  const vendor = findVendor(vendorId);
  if (!vendor) throw new Error(`vendor ${vendorId} is not registered`);
  const credentials = localCredentials(vendor);
  const route = vendor.routes[0] ?? '';
  return { ...vendor.sign(body, route, credentials), route };
}

async function post(
  route: string,
  body: string,
  headers: Readonly<Record<string, string>> = {},
): Promise<{ status: number; body: string }> {
  const response = await fetch(used.pipeline.urls.server + route, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: response.status, body: await response.text() };
}

async function postSigned(vendorId: string, body: string): Promise<number> {
  const signed = sign(vendorId, body);
  return (await post(signed.route, signed.body, signed.headers)).status;
}

function eventsWithId(eventId: string): PublishedEvent[] {
  return publishedWithId(used.pipeline.eventsFile, eventId);
}

/** The processor is done with every delivery ingest queued. */
async function ingestQueueDrained(): Promise<void> {
  await waitForQueueDrained(used.test.clients.sqs, used.pipeline.urls.queue);
}

async function storedEvent(eventId: string): Promise<Record<string, unknown> | undefined> {
  const { Item } = await documents.send(
    new GetCommand({
      TableName: used.pipeline.tableName,
      Key: { [TABLE_SCHEMA.partitionKey]: eventId },
      ConsistentRead: true,
    }),
  );
  return Item;
}

/** A subject's history through the lookup index, oldest first. */
async function subjectHistory(subjectKey: string): Promise<Record<string, unknown>[]> {
  const index = TABLE_SCHEMA.lookupIndex;
  const { Items = [] } = await documents.send(
    new QueryCommand({
      TableName: used.pipeline.tableName,
      IndexName: index.name,
      KeyConditionExpression: '#subject = :subject',
      ExpressionAttributeNames: { '#subject': index.partitionKey },
      ExpressionAttributeValues: { ':subject': subjectKey },
    }),
  );
  return Items;
}

/** The subject's current state item (read by scan: the table is tiny). */
async function subjectState(subjectKey: string): Promise<Record<string, unknown> | undefined> {
  const { Item } = await documents.send(
    new GetCommand({
      TableName: used.pipeline.tableName,
      Key: { [TABLE_SCHEMA.partitionKey]: TABLE_SCHEMA.keyPrefixes.subject + subjectKey },
      ConsistentRead: true,
    }),
  );
  return Item;
}

async function tableSize(): Promise<number> {
  const { Count = 0 } = await documents.send(
    new ScanCommand({ TableName: used.pipeline.tableName, ConsistentRead: true, Select: 'COUNT' }),
  );
  return Count;
}

/* --------------------------------------------------------------------------------- tests */

describe('local mode, end to end over HTTP', () => {
  it('answers health checks and refuses other methods on webhook routes', async () => {
    expect((await fetch(`${used.pipeline.urls.server}/health`)).status).toBe(200);
    expect((await fetch(`${used.pipeline.urls.server}/webhooks/treezor`)).status).toBe(405);
    expect((await fetch(`${used.pipeline.urls.server}/elsewhere`)).status).toBe(404);
  });

  it.each([
    {
      vendor: 'treezor',
      name: 'user.kycreview',
      // The digest of the signed object_payload (see the fixture's expected file).
      eventId: 'treezor:9d53754fbeca378809ceb64ce3f75d41483b808ec64026b4969d7500a7252cb3',
      subjectKey: 'treezor#user#6461762',
    },
    {
      vendor: 'idwise',
      name: 'finished-journey-complete',
      eventId: 'idwise:30c365d2-e077-46cc-b633-5949c110fd11',
      subjectKey: 'idwise#journey#d3f85a7ad9a95a2a45a7fa29',
    },
  ])(
    'stores and publishes a $vendor delivery once though it arrives 3 times',
    async ({ vendor, name, eventId, subjectKey }) => {
      const body = fixture(vendor, name);
      for (let attempt = 0; attempt < 3; attempt += 1) {
        expect(await postSigned(vendor, body)).toBe(200);
        // Each retry lands after the previous delivery was processed, as a vendor retry does.
        await waitFor(`${eventId} to be published`, () => eventsWithId(eventId).length > 0);
        await ingestQueueDrained();
      }

      const published = eventsWithId(eventId);
      expect(published).toHaveLength(1);
      expect(published[0]).toMatchObject({
        Source: `kyc.${vendor}`,
        DetailType: 'KYC Verification Updated',
        EventBusName: 'kyc-webhooks',
      });
      const item = await storedEvent(eventId);
      // Stored under its eventId, whose prefix names the vendor.
      expect(eventId.startsWith(`${vendor}:`)).toBe(true);
      expect(item).toMatchObject({
        [TABLE_SCHEMA.partitionKey]: eventId,
        detailType: 'KYC Verification Updated',
      });
      expect(item?.['publishedAt']).toEqual(expect.any(String));
      const history = await subjectHistory(subjectKey);
      // The webhook's events only: an IDWise journey also gets the result its API is asked for,
      // an event of its own (`<vendor>:enrichment:…`, test/enrichment/).
      const webhookEvents = history
        .map((entry) => String(entry[TABLE_SCHEMA.partitionKey]))
        .filter((id) => !id.startsWith(`${vendor}:enrichment:`));
      expect(webhookEvents).toEqual([eventId]);
    },
  );

  it('publishes an older Treezor delivery as out of order and keeps the newer status', async () => {
    const userId = '7700001';
    const subjectKey = `treezor#user#${userId}`;
    // Ordered by the signed modifiedDate (Paris time), never by the unsigned webhook_created_at.
    const newer = treezorReview({
      webhookId: 'local-test-newer-0001',
      userId,
      modifiedDate: '2023-11-14 23:13:20',
      kycReview: '2', // VALIDATED
    });
    const older = treezorReview({
      webhookId: 'local-test-older-0001',
      userId,
      modifiedDate: '2023-07-22 12:00:00',
      kycReview: '1', // PENDING
    });
    const [newerId, olderId] = [treezorEventId(newer), treezorEventId(older)];

    expect(await postSigned('treezor', newer)).toBe(200);
    const [first] = await waitFor('the newer event', () => {
      const found = eventsWithId(newerId);
      return found.length > 0 && found;
    });
    expect(first?.detail).toMatchObject({ status: 'approved', outOfOrder: false });

    expect(await postSigned('treezor', older)).toBe(200);
    const [late] = await waitFor('the older event', () => {
      const found = eventsWithId(olderId);
      return found.length > 0 && found;
    });
    expect(late?.detail).toMatchObject({
      status: 'in_review',
      previousStatus: 'approved',
      outOfOrder: true,
    });
    expect(await subjectState(subjectKey)).toMatchObject({ status: 'approved', eventId: newerId });
    expect(await subjectHistory(subjectKey)).toHaveLength(2);
  });

  it('refuses unauthentic deliveries with each vendor’s status and queues nothing', async () => {
    await ingestQueueDrained();
    const eventsBefore = localBusEntries(used.pipeline.eventsFile).length;
    const itemsBefore = await tableSize();

    // Treezor: a body changed after signing. Treezor asks for a 5xx so that it retries.
    const signed = sign(
      'treezor',
      treezorReview({
        webhookId: 'local-test-tampered-0001',
        userId: '7700002',
        modifiedDate: '2023-11-14 23:13:20',
        kycReview: '3',
      }),
    );
    const tampered = signed.body.replace('"kycReview":"3"', '"kycReview":"2"');
    expect(tampered).not.toBe(signed.body);
    expect((await post(signed.route, tampered, signed.headers)).status).toBe(503);

    // IDWise: a wrong credential header, then none at all.
    const idwiseBody = fixture('idwise', 'manually-reviewed-rejected');
    const wrong = await post('/webhooks/idwise', idwiseBody, {
      authorization: 'Basic ZGV2Ondyb25nLXBhc3N3b3Jk',
    });
    expect(wrong.status).toBe(401);
    expect((await post('/webhooks/idwise', idwiseBody)).status).toBe(401);

    // An unknown vendor.
    expect((await post('/webhooks/nobody', '{}')).status).toBe(404);

    await ingestQueueDrained();
    expect(localBusEntries(used.pipeline.eventsFile)).toHaveLength(eventsBefore);
    expect(await tableSize()).toBe(itemsBefore);
    expect(await storedEvent(treezorEventId(tampered))).toBeUndefined();
  });

  it('answers 413 to a request over the size limit', async () => {
    const status = (await post('/webhooks/idwise', 'x'.repeat(7 * 1024 * 1024))).status;
    expect(status).toBe(413);
  });
});

describe('npm run send', () => {
  it('signs and sends a fixture to the running pipeline', async () => {
    const result = await sendDelivery({
      vendor: 'treezor',
      fixture: 'user.create',
      url: `${used.pipeline.urls.server}/webhooks/treezor`,
      secretsFile: SECRETS_FILE,
    });
    expect(result.status).toBe(200);
    await waitFor('the sent event', () =>
      eventsWithId(USER_CREATE_EVENT_ID).length === 1 ? true : undefined,
    );
  });

  it('says what to do when the vendor, fixture or server is wrong', async () => {
    await expect(sendDelivery({ vendor: 'nobody', fixture: 'x' })).rejects.toThrow(
      /Unknown vendor "nobody"\. Vendors: .*treezor/,
    );
    await expect(sendDelivery({ vendor: 'treezor', fixture: 'no-such-fixture' })).rejects.toThrow(
      /No fixture "no-such-fixture" for treezor\. Fixtures: .*user\.kycreview/,
    );
    const closedPort = await freePort();
    const unreachable = sendDelivery({
      vendor: 'idwise',
      fixture: 'finished-step',
      url: `http://127.0.0.1:${closedPort}/webhooks/idwise`,
      secretsFile: SECRETS_FILE,
    });
    await expect(unreachable).rejects.toThrow(SendError);
    await expect(unreachable).rejects.toThrow(/npm start/);
  });

  it('works as a command', async () => {
    const run = await runTsx(
      [
        'local/send.ts',
        'idwise',
        'finished-step',
        '--url',
        `${used.pipeline.urls.server}/webhooks/idwise`,
      ],
      {},
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('200 {"received":true}');
  });
});

describe('npm start', () => {
  // How fast it starts is the README's quick-start figure, not this test's: on a loaded machine
  // the first start (tsx compiling, DynamoDB Local's JVM) may take tens of seconds.
  it('prints its URLs and exits 0 on SIGTERM', async () => {
    const scripts = (
      JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
        scripts: Record<string, string>;
      }
    ).scripts;
    // `npm start` runs exactly this; spawning it without npm lets the signal reach the process.
    expect(scripts['start']).toBe('tsx local/main.ts');

    const child = spawnNpmStart({ KYC_EVENTS_FILE: join(used.test.dir, 'start-events.jsonl') });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    );
    try {
      await waitFor('the start banner', () => stdout.includes('Ctrl-C'), 60_000);
      expect(stdout).toMatch(/http:\/\/localhost:\d+\/webhooks\/treezor/);
      expect(stdout).toMatch(/http:\/\/localhost:\d+\/webhooks\/idwise/);
      expect(stdout).toContain('kyc-webhooks-events');
      expect(stdout).toContain('start-events.jsonl');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 90_000);
});
