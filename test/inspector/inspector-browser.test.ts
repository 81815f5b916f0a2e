import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDeadLetterNotes } from '../../lambdas/adapters/dynamo-dead-letter-notes.js';
import { DynamoEventStore } from '../../lambdas/adapters/dynamo-event-store.js';
import { sendDelivery } from '../../local/send-delivery.js';
import { serializeQueueMessage } from '../../lambdas/core/queue-message.js';
import { LOCAL_SECRETS, SECRETS_FILE } from '../support/credentials.js';
import { idwiseMessage } from '../support/deliveries.js';
import { treezorEventId, treezorReview, useTestPipeline } from '../support/local-pipeline.js';
import { publishedWithId, queueDepth, waitFor } from '../support/wait.js';
import { browserTestsRun, DEADLINE_MS, launchChromium, TEST_TIMEOUT_MS } from './chromium.js';

/**
 * The inspector as an operator uses it: a real Chromium on the page `npm start` serves, a real
 * delivery through the local pipeline, and the replay checked where it lands (store and bus).
 */

/** A subject id a hostile sender could choose: it must show as text, never become markup. */
const HOSTILE_ID = '<img src=x onerror="document.title=`pwned`">';

describe.runIf(browserTestsRun())('the inspector page in Chromium', () => {
  const used = useTestPipeline({ keepRefusedBodies: true });
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await launchChromium();
    page = await browser.newPage();
    page.setDefaultTimeout(DEADLINE_MS);
    await page.goto(used.pipeline.urls.inspector);
    await page.getByText('Live: new events appear').waitFor();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  const port = (): number => Number(new URL(used.pipeline.urls.server).port);

  /** Sends `body` as Treezor would, signed with the secrets in `secretsFile`. */
  const sendTreezor = async (body: string, secretsFile = SECRETS_FILE): Promise<number> => {
    const file = join(used.test.dir, `body-${Date.now()}-${Math.random()}.json`);
    writeFileSync(file, body);
    const { status } = await sendDelivery({
      vendor: 'treezor',
      fixture: file,
      port: port(),
      secretsFile,
    });
    return status;
  };

  it(
    'shows a published event live, its subject history, and replays it into the store and onto the bus',
    async () => {
      const body = treezorReview({
        webhookId: 'inspector-1',
        userId: HOSTILE_ID,
        modifiedDate: '2026-03-01 10:00:00',
        kycReview: '2',
      });
      const eventId = treezorEventId(body);
      expect(await sendTreezor(body)).toBe(200);

      // The live list: the event's row, found by its eventId, without reloading the page.
      const open = page.getByRole('button', { name: eventId, exact: true });
      await open.waitFor();
      const row = page.locator('#events tbody tr', { has: open });
      await expect(row.textContent()).resolves.toContain(HOSTILE_ID);

      // Event → its subject's history, read from the table.
      await open.click();
      const history = page.locator('.history tbody tr', { hasText: eventId });
      await history.waitFor();
      await expect(page.locator('#subject').textContent()).resolves.toContain(
        `treezor#user#${HOSTILE_ID}`,
      );

      // → replay: published again, as a revision, and the stored event says so.
      await history.getByRole('button', { name: 'Replay' }).click();
      await page.getByText(`${eventId} published`).waitFor();
      const published = await waitFor(
        'the replayed event on the bus',
        () => {
          const events = publishedWithId(used.pipeline.eventsFile, eventId);
          return events.length === 2 && events;
        },
        DEADLINE_MS,
      );
      expect(published.map((event) => event.detail.revision)).toEqual([undefined, 1]);
      const store = DynamoEventStore.create(used.test.clients.dynamodb, used.pipeline.tableName);
      expect((await store.getEvent(eventId))?.detail.revision).toBe(1);
      // The live list shows the republication too.
      await expect
        .poll(() => page.getByRole('button', { name: eventId, exact: true }).count(), {
          timeout: DEADLINE_MS,
        })
        .toBe(2);

      // Hostile vendor data stayed text: no element was made of it, no script ran.
      expect(await page.locator('img').count()).toBe(0);
      expect(await page.title()).not.toBe('pwned');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'shows a refused delivery with its reason and where its body was kept',
    async () => {
      const wrongSecrets = join(used.test.dir, 'wrong-secrets.json');
      writeFileSync(
        wrongSecrets,
        JSON.stringify({ ...LOCAL_SECRETS, treezor: { webhookSecrets: ['not-the-secret'] } }),
      );
      const body = treezorReview({
        webhookId: 'inspector-refused',
        userId: 'refused-user',
        modifiedDate: '2026-03-01 11:00:00',
        kycReview: '2',
      });
      // Treezor's policy (README): a signature mismatch is answered 503, so Treezor retries.
      expect(await sendTreezor(body, wrongSecrets)).toBe(503);
      expect(await sendTreezor(body, wrongSecrets)).toBe(503);

      const refused = page.locator('#deliveries tbody tr', { hasText: 'invalid_signature' });
      await refused.first().waitFor();
      const cells = await refused.first().locator('td').allTextContents();
      // received, vendor, route, answer, reason, attempts (the same content twice), …
      expect(cells.slice(1, 6)).toEqual([
        'treezor',
        '/webhooks/treezor',
        '503 refused',
        'invalid_signature',
        '2',
      ]);
      // Kept, as asked, where the page says: the operator can read what the vendor sent (the
      // body as signed, so with the signature Treezor puts in it).
      const kept = JSON.parse(readFileSync(cells[8] ?? '', 'utf8')) as { webhookId?: string };
      expect(kept.webhookId).toBe('inspector-refused');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'shows the dead-letter queue and redrives it, and the processor then takes the message up',
    async () => {
      // A delivery that reached the DLQ (its cause since fixed): a genuine queued IDWise message.
      const eventId = 'inspector-redriven';
      const { sqs } = used.test.clients;
      const dlq = used.pipeline.urls.deadLetterQueue;
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: dlq,
          MessageBody: serializeQueueMessage(
            idwiseMessage({ eventId, journeyId: 'redriven-journey' }),
          ),
        }),
      );
      await page.getByText(/^1 message in /).waitFor();

      await page.getByRole('button', { name: 'Redrive to the ingest queue' }).click();
      await page.getByText('Redrive started.').waitFor();
      await waitFor(
        'the redriven message to be published',
        () => publishedWithId(used.pipeline.eventsFile, `idwise:${eventId}`).length === 1,
        DEADLINE_MS,
      );
      expect(await queueDepth(sqs, dlq)).toBe(0);
      await page.getByText(/^0 messages in .*Latest redrive: COMPLETED, 1 moved\.$/).waitFor();
    },
    TEST_TIMEOUT_MS,
  );
  it(
    'lists each dead letter with its last reason and redrives one of them only',
    async () => {
      // Two deliveries the processor gave up on, for different reasons, each with the note it
      // writes when it dead-letters a message (keyed by the message id SQS keeps).
      const { sqs, dynamodb } = used.test.clients;
      const dlq = used.pipeline.urls.deadLetterQueue;
      const notes = DynamoDeadLetterNotes.create(dynamodb, used.pipeline.tableName);
      const deadLetter = async (eventId: string, reason: string, errorName: string) => {
        const message = idwiseMessage({
          eventId,
          journeyId: `${eventId}-journey`,
          receivedAt: '2026-02-01T09:00:00.000Z',
        });
        const { MessageId = '' } = await sqs.send(
          new SendMessageCommand({ QueueUrl: dlq, MessageBody: serializeQueueMessage(message) }),
        );
        await notes.record({
          messageId: MessageId,
          reason,
          errorName,
          receiveCount: 5,
          failedAt: '2026-02-01T09:05:00.000Z',
        });
        return MessageId;
      };
      const moveId = await deadLetter('dead-publish', 'publish_failed', 'PublishError');
      const stayId = await deadLetter('dead-config', 'configuration', 'ConfigurationError');

      const row = (messageId: string) =>
        page.locator('#dead-letters tbody tr', { hasText: messageId });
      await row(moveId).waitFor();
      await row(stayId).waitFor();
      const cells = (messageId: string) => row(messageId).locator('td').allTextContents();
      // message id, vendor, received, dedup id, receives, last reason, failed at, button
      expect(await cells(moveId)).toEqual([
        moveId,
        'idwise',
        '2026-02-01T09:00:00.000Z',
        'dead-publish',
        '5',
        'publish_failed (PublishError)',
        '2026-02-01T09:05:00.000Z',
        'Redrive',
      ]);
      expect((await cells(stayId)).slice(3, 6)).toEqual([
        'dead-config',
        '5',
        'configuration (ConfigurationError)',
      ]);

      await row(moveId).getByRole('button', { name: 'Redrive', exact: true }).click();
      await page.getByText(`${moveId} moved back to the ingest queue.`).waitFor();
      await row(moveId).waitFor({ state: 'detached' });
      await waitFor(
        'the redriven message to be published',
        () => publishedWithId(used.pipeline.eventsFile, 'idwise:dead-publish').length === 1,
        DEADLINE_MS,
      );
      // Only it: the other is still listed with its reason, and still in the dead-letter queue.
      expect((await cells(stayId))[5]).toBe('configuration (ConfigurationError)');
      // (Polled: the page's own listing may be holding it, which local-aws-sqs counts twice.)
      await waitFor(
        'one message in the DLQ',
        async () => (await queueDepth(sqs, dlq)) === 1,
        DEADLINE_MS,
      );
      expect(publishedWithId(used.pipeline.eventsFile, 'idwise:dead-config')).toEqual([]);
      expect(publishedWithId(used.pipeline.eventsFile, 'idwise:dead-publish')).toHaveLength(1);

      // The redriven journey found by the customer's own reference (IDWise's referenceNo).
      const lookup = page.locator('#reference-form');
      await lookup.getByLabel('vendor').fill('idwise');
      await lookup.getByLabel('your reference').fill('ref-001');
      await lookup.getByRole('button', { name: 'Find subjects' }).click();
      await page.getByText('idwise#journey#dead-publish-journey', { exact: true }).waitFor();
      // Polled, not counted once: a single count right after the key showed failed now and then.
      await expect
        .poll(() => page.locator('.history tbody tr', { hasText: 'idwise:dead-publish' }).count(), {
          timeout: DEADLINE_MS,
        })
        .toBe(1);
    },
    TEST_TIMEOUT_MS,
  );
});
