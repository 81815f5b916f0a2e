import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetQueueUrlCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDeadLetterNotes } from '../../lambdas/adapters/dynamo-dead-letter-notes.js';
import { DynamoEventStore } from '../../lambdas/adapters/dynamo-event-store.js';
import { TABLE_SCHEMA } from '../../lambdas/adapters/dynamo-schema.js';
import { processRecord } from '../../lambdas/processor/process-record.js';
import { LOCAL_NAMES } from '../../local/resources.js';
import { idwiseMessage, sqsRecord } from '../support/deliveries.js';
import {
  cli,
  envFor,
  freePort,
  publishedDetails,
  treezorEventId,
  treezorReview,
  waitFor,
} from './cli-support.js';
import { useTestPipeline } from '../support/local-pipeline.js';

interface HistoryJson {
  readonly subjects: {
    readonly subjectKey: string;
    readonly state: { status: string; eventId: string; version: number } | null;
    readonly events: {
      readonly detail: { eventId: string; status: string; outOfOrder: boolean };
      readonly publishedAt?: string;
    }[];
  }[];
}

/** One Treezor user, three deliveries; signed times (Paris) 1000 s apart. */
const USER = '8800001';
const REVIEWS = [
  { webhookId: 'cli-test-review-2', modifiedDate: '2023-11-14 23:30:00', kycReview: '1' }, // in_review
  { webhookId: 'cli-test-review-3', modifiedDate: '2023-11-14 23:46:40', kycReview: '2' }, // approved
  { webhookId: 'cli-test-review-1', modifiedDate: '2023-11-14 23:13:20', kycReview: '0' }, // pending, arrives last
];
/** Each review's eventId (the digest of its signed payload), by its label. */
const ID = Object.fromEntries(
  REVIEWS.map((review) => [
    review.webhookId,
    treezorEventId(treezorReview({ ...review, userId: USER })),
  ]),
) as Record<'cli-test-review-1' | 'cli-test-review-2' | 'cli-test-review-3', string>;

const used = useTestPipeline();
let env: Record<string, string>;
let documents: DynamoDBDocumentClient;

beforeAll(() => {
  env = envFor(used.pipeline);
  documents = DynamoDBDocumentClient.from(used.test.clients.dynamodb);
});

/** Waits until each of `eventIds` has been published once. */
async function publishedOnce(...eventIds: string[]): Promise<void> {
  await waitFor(`${eventIds.join(', ')} published`, () =>
    eventIds.every((eventId) => timesPublished(eventId) === 1),
  );
}

function timesPublished(eventId: string): number {
  return publishedDetails(used.pipeline.eventsFile).filter((d) => d.eventId === eventId).length;
}

async function historyJson(vendor: string, id: string, kind?: string): Promise<HistoryJson> {
  const run = await cli(['history', vendor, id, '--json', ...(kind ? ['--kind', kind] : [])], env);
  return JSON.parse(run.stdout || '{"subjects":[]}') as HistoryJson;
}

/** Rewrites fields of a stored event's detail, as older code would have stored them. */
async function alterStoredDetail(eventId: string, fields: Record<string, unknown>): Promise<void> {
  const names: Record<string, string> = { '#detail': 'detail' };
  const values: Record<string, unknown> = {};
  const sets = Object.entries(fields).map(([field, value], i) => {
    names[`#f${i}`] = field;
    values[`:v${i}`] = value;
    return `#detail.#f${i} = :v${i}`;
  });
  await documents.send(
    new UpdateCommand({
      TableName: used.pipeline.tableName,
      Key: { [TABLE_SCHEMA.partitionKey]: eventId },
      UpdateExpression: `SET ${sets.join(', ')}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    }),
  );
}

describe('send', () => {
  it('signs and posts a fixture to local mode', async () => {
    const run = await cli(['send', 'idwise', 'finished-step'], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`POST ${used.pipeline.urls.server}/webhooks/idwise`);
    expect(run.stdout).toContain('200 {"received":true}');
    await waitFor('the sent event', () =>
      publishedDetails(used.pipeline.eventsFile).some((d) => d.eventId.startsWith('idwise:')),
    );
  });

  it('appends the route to a base --url and explains a refusal', async () => {
    const run = await cli(
      ['send', 'treezor', 'user.create', '--url', `${used.pipeline.urls.server}/`],
      env,
    );
    expect(run.stdout).toContain(`POST ${used.pipeline.urls.server}/webhooks/treezor`);
    expect(run.code).toBe(0);

    // Signed with a secret the pipeline does not accept: Treezor's refusal is a 503.
    const wrong = join(used.test.dir, 'wrong-secrets.json');
    writeFileSync(wrong, JSON.stringify({ treezor: { webhookSecrets: ['not-the-secret'] } }));
    const refused = await cli(['send', 'treezor', 'user.create', '--secrets', wrong], env);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('503');
    expect(refused.stderr).toContain('delivery refused');
    expect(refused.stderr).toContain('npx kyc-webhooks verify');
  });
});

describe('history', () => {
  it("lists a subject's events newest first, with the out-of-order one marked", async () => {
    for (const review of REVIEWS) {
      const file = join(used.test.dir, `${review.webhookId}.json`);
      writeFileSync(file, treezorReview({ ...review, userId: USER }));
      const run = await cli(['send', 'treezor', file], env);
      expect(run.code, run.stderr).toBe(0);
      // One at a time, so they arrive in this order.
      await publishedOnce(ID[review.webhookId as keyof typeof ID]);
    }

    const json = await historyJson('treezor', USER);
    expect(json.subjects).toHaveLength(1);
    const [subject] = json.subjects;
    expect(subject?.subjectKey).toBe(`treezor#user#${USER}`);
    expect(
      subject?.events.map((e) => [e.detail.eventId, e.detail.status, e.detail.outOfOrder]),
    ).toEqual([
      [ID['cli-test-review-3'], 'approved', false],
      [ID['cli-test-review-2'], 'in_review', false],
      [ID['cli-test-review-1'], 'pending', true],
    ]);
    expect(subject?.events.every((e) => e.publishedAt !== undefined)).toBe(true);
    expect(subject?.state).toMatchObject({
      status: 'approved',
      eventId: ID['cli-test-review-3'],
    });

    const text = await cli(['history', 'treezor', USER, '--kind', 'user'], env);
    expect(text.code).toBe(0);
    const lines = text.stdout.split('\n');
    // Each event's row (starting with the vendor time) is followed by its eventId, indented.
    const row = (id: string): number => lines.indexOf(`  ${id}`) - 1;
    expect(row(ID['cli-test-review-3'])).toBeGreaterThan(0);
    expect(row(ID['cli-test-review-3'])).toBeLessThan(row(ID['cli-test-review-2']));
    expect(row(ID['cli-test-review-2'])).toBeLessThan(row(ID['cli-test-review-1']));
    expect(lines[row(ID['cli-test-review-1'])]).toContain('approved → pending (late)');
    expect(lines[row(ID['cli-test-review-2'])]).toContain('- → in_review');
    expect(lines[row(ID['cli-test-review-3'])]).toContain('in_review → approved');
    expect(text.stdout).toContain(`now approved (was in_review)`);
  });

  it("finds the subjects of the customer's own reference in one index query, within 100 columns", async () => {
    // The IDWise step the send test posted carries the customer's reference 8446291042680.
    const run = await cli(['history', 'idwise', '--reference', '8446291042680'], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('idwise journey b91d05036de565e523e7d4c3');
    expect(run.stdout).toContain('your reference 8446291042680');
    expect(run.stderr).not.toMatch(/scann/i);
    for (const line of run.stdout.split('\n')) expect([...line].length).toBeLessThanOrEqual(100);

    const none = await cli(['history', 'idwise', '--reference', 'nobody'], env);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('No events for idwise reference nobody');
    const both = await cli(
      ['history', 'idwise', 'b91d05036de565e523e7d4c3', '--reference', 'x'],
      env,
    );
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('either a subject id or --reference');
  });

  it('finds a subject of an unknown kind by scanning, and says when there is none', async () => {
    const scanned = await cli(['history', 'treezor', USER, '--scan'], env);
    expect(scanned.code).toBe(0);
    expect(scanned.stderr).toMatch(
      new RegExp(`Scanning ${used.pipeline.tableName} .*scanned \\d+ items`, 's'),
    );
    expect(scanned.stdout).toContain(`treezor user ${USER}`);

    const none = await cli(['history', 'treezor', 'no-such-user'], env);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('No events for treezor subject no-such-user');
  });
});

describe('replay', () => {
  it('--dry-run shows no change for events the current code stored', async () => {
    const run = await cli(['replay', '--vendor', 'treezor', '--dry-run'], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`${ID['cli-test-review-1']}  unchanged`);
    expect(run.stdout).not.toMatch(/would publish|→/);
  });

  it('--dry-run shows what changed when older code stored another detail, and writes nothing', async () => {
    // The out-of-order event: its place in the history stays, only its words change.
    await alterStoredDetail(ID['cli-test-review-1'], {
      vendorStatus: 'kycReview=OLD',
      status: 'unknown',
    });
    const run = await cli(['replay', '--event-id', ID['cli-test-review-1'], '--dry-run'], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`${ID['cli-test-review-1']}  would publish`);
    expect(run.stdout).toContain('status: unknown → pending');
    expect(run.stdout).toContain('vendorStatus: kycReview=OLD → kycReview=NONE');
    expect(run.stdout).not.toContain('outOfOrder');
    expect(run.stdout).not.toContain('subject treezor');
    const [subject] = (await historyJson('treezor', USER, 'user')).subjects;
    expect(subject?.events[2]?.detail.status).toBe('unknown');
    expect(timesPublished(ID['cli-test-review-1'])).toBe(1);
  });

  it('republishes a changed event with its eventId and corrects the subject it set', async () => {
    const eventId = ID['cli-test-review-3'];
    await alterStoredDetail(eventId, { status: 'unknown' });
    await documents.send(
      new UpdateCommand({
        TableName: used.pipeline.tableName,
        Key: { [TABLE_SCHEMA.partitionKey]: `SUBJECT#treezor#user#${USER}` },
        UpdateExpression: 'SET #status = :unknown',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':unknown': 'unknown' },
      }),
    );
    const before = (await historyJson('treezor', USER, 'user')).subjects[0]?.state;

    const run = await cli(
      ['replay', '--event-id', eventId, '--event-id', ID['cli-test-review-1']],
      env,
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`${eventId}  published as revision 1`);
    expect(run.stdout).toContain(
      `subject treezor#user#${USER}: unknown → approved (this event set its state; corrected)`,
    );
    expect(run.stdout).toContain(`${ID['cli-test-review-1']}  published`);

    // Published again under the same eventId, now with current words and its first revision
    // (consumers dedupe on eventId + revision).
    const published = publishedDetails(used.pipeline.eventsFile).filter(
      (d) => d.eventId === eventId,
    );
    const revisionOf = (detail: object) => (detail as { revision?: number }).revision;
    expect(published.map((d) => [d.status, revisionOf(d)])).toEqual([
      ['approved', undefined],
      ['approved', 1],
    ]);
    // The revision is stored: the next republication counts on from it.
    const forced = await cli(['replay', '--event-id', eventId, '--force'], env);
    expect(forced.stdout).toContain(`${eventId}  published as revision 2`);
    const [subject] = (await historyJson('treezor', USER, 'user')).subjects;
    expect(subject?.state).toMatchObject({
      status: 'approved',
      version: (before?.version ?? 0) + 1,
    });
    expect(subject?.events.map((e) => [e.detail.status, e.detail.outOfOrder])).toEqual([
      ['approved', false],
      ['in_review', false],
      ['pending', true],
    ]);

    const again = await cli(['replay', '--vendor', 'treezor', '--dry-run'], env);
    expect(again.stdout).not.toContain('would publish');
  });

  it('--unpublished publishes a stored-but-unpublished event exactly once', async () => {
    // The processor stores the event, then PutEvents fails: yesterday's failure.
    const message = idwiseMessage({
      eventId: 'cli-test-unpublished-1',
      journeyId: 'cli-journey-1',
      receivedAt: new Date().toISOString(),
    });
    const store = DynamoEventStore.create(used.test.clients.dynamodb, used.pipeline.tableName);
    await expect(
      processRecord(
        sqsRecord(message),
        {
          store,
          now: () => new Date(),
          includePayload: true,
          retentionDays: 1,
          leaseMs: 1,
          log: { info: () => undefined, warn: () => undefined },
        },
        async (events) => events.map(() => ({ ok: false, reason: 'ThrottlingException' })),
      ),
    ).rejects.toThrow(/EventBridge did not accept/);
    const eventId = 'idwise:cli-test-unpublished-1';
    expect((await store.getEvent(eventId))?.publishedAt).toBeUndefined();
    const listed = await cli(['history', 'idwise', 'cli-journey-1'], env);
    expect(listed.stdout).toContain('NO (replay --unpublished)');

    const dry = await cli(['replay', '--unpublished', '--dry-run'], env);
    expect(dry.stdout).toContain(`${eventId}  would publish (was never published)`);
    expect(timesPublished(eventId)).toBe(0);

    const run = await cli(['replay', '--unpublished', '--since', '1h'], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('1 event selected');
    expect(run.stdout).toContain(`${eventId}  published (was never published)`);
    expect(timesPublished(eventId)).toBe(1);
    expect((await store.getEvent(eventId))?.publishedAt).toBeDefined();

    const second = await cli(['replay', '--unpublished'], env);
    expect(second.stderr).toContain('0 events selected');
    expect(timesPublished(eventId)).toBe(1);
  });

  it('needs a selection, and EventBridge only when it publishes', async () => {
    const none = await cli(['replay'], env);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('replay needs a selection');

    // `0` let npm start pick any free port, which the CLI cannot know.
    const withoutBus = { ...env, KYC_EVENTBRIDGE_PORT: '0' };
    const blocked = await cli(['replay', '--unpublished'], withoutBus);
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain('KYC_EVENTBRIDGE_PORT');
    expect((await cli(['replay', '--unpublished', '--dry-run'], withoutBus)).code).toBe(0);
  });
});

/** Puts an IDWise message for each eventId on the dead-letter queue; their message ids, by eventId. */
async function deadLetter(ids: readonly string[]): Promise<Map<string, string>> {
  const { sqs } = used.test.clients;
  const { QueueUrl = '' } = await sqs.send(
    new GetQueueUrlCommand({ QueueName: LOCAL_NAMES.deadLetterQueue }),
  );
  const sent = new Map<string, string>();
  for (const id of ids) {
    const message = idwiseMessage({ eventId: id, journeyId: `journey-${id}` });
    const { MessageId = '' } = await sqs.send(
      new SendMessageCommand({ QueueUrl, MessageBody: JSON.stringify(message) }),
    );
    sent.set(id, MessageId);
  }
  return sent;
}

describe('redrive', () => {
  it('moves dead letters back to the ingest queue, where they are processed', async () => {
    await deadLetter(['cli-test-dead-1', 'cli-test-dead-2']);

    const dry = await cli(['redrive', '--dry-run'], env);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(
      /2 of 2 messages in the dead-letter queue .*kyc-webhooks-ingest-dlq selected; a redrive would move them to .*:kyc-webhooks-ingest\./,
    );
    // Sent by hand, so no processor noted why they are there.
    expect(dry.stdout.match(/no reason noted/g)).toHaveLength(2);

    const run = await cli(['redrive'], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/moved \d of 2/);
    expect(run.stdout).toContain('Moved 2 messages back to');
    await publishedOnce('idwise:cli-test-dead-1', 'idwise:cli-test-dead-2');

    const empty = await cli(['redrive'], env);
    expect(empty.stdout).toContain('0 messages in the dead-letter queue');
  });

  it('lists each message with its last reason, and moves only the selected ones', async () => {
    const sent = await deadLetter(['cli-test-pick-1', 'cli-test-pick-2', 'cli-test-pick-3']);
    // What the processor notes when it dead-letters a message (record-failure.ts).
    const notes = DynamoDeadLetterNotes.create(used.test.clients.dynamodb, used.pipeline.tableName);
    const failedAt = '2026-12-01T10:00:00.000Z';
    for (const id of ['cli-test-pick-1', 'cli-test-pick-2']) {
      await notes.record({
        messageId: sent.get(id) ?? '',
        reason: id.endsWith('1') ? 'publish_failed' : 'store_throttled',
        errorName: 'PublishError',
        receiveCount: 5,
        failedAt,
      });
    }

    const dry = await cli(['redrive', '--dry-run', '--reason', 'publish_failed'], env);
    expect(dry.code, dry.stderr).toBe(0);
    const [line, summary] = dry.stdout.trim().split('\n');
    expect(line?.split('  ')).toEqual([
      sent.get('cli-test-pick-1'),
      'idwise',
      expect.stringMatching(/^\d{4}-/),
      'cli-test-pick-1',
      'receives=5',
      'publish_failed (PublishError)',
    ]);
    expect(summary).toMatch(/^1 of 3 messages in the dead-letter queue .* selected;/);
    const json = await cli(['redrive', '--dry-run', '--reason', 'none', '--json'], env);
    const listed = JSON.parse(json.stdout) as { selected: { messageId: string }[] };
    expect(listed.selected.map((letter) => letter.messageId)).toEqual([
      sent.get('cli-test-pick-3'),
    ]);

    // Two selected, by eventId and by message id; the third stays.
    const run = await cli(
      ['redrive', '--id', 'idwise:cli-test-pick-1', '--id', sent.get('cli-test-pick-3') ?? ''],
      env,
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Moved 2 messages of 3 back to');
    expect(run.stdout).toContain('1 stay in the dead-letter queue');
    await publishedOnce('idwise:cli-test-pick-1', 'idwise:cli-test-pick-3');
    const left = await cli(['redrive', '--dry-run', '--json'], env);
    const remaining = JSON.parse(left.stdout) as { selected: { messageId: string }[] };
    expect(remaining.selected.map((letter) => letter.messageId)).toEqual([
      sent.get('cli-test-pick-2'),
    ]);
    expect(timesPublished('idwise:cli-test-pick-2')).toBe(0);

    const nothing = await cli(['redrive', '--vendor', 'treezor'], env);
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toContain('No message of the dead-letter queue matches');

    // The rest, all at once, as before.
    expect((await cli(['redrive'], env)).code).toBe(0);
    await publishedOnce('idwise:cli-test-pick-2');
    expect(timesPublished('idwise:cli-test-pick-1')).toBe(1);
    expect(timesPublished('idwise:cli-test-pick-3')).toBe(1);
  });
});

describe('verify', () => {
  it("tells ingest's reason code for a body and headers", async () => {
    const body = join(used.test.dir, 'idwise-body.json');
    writeFileSync(body, '{"event":"Finished Journey","body":{"eventId":"v-1","journeyId":"j-1"}}');
    const refused = await cli(['verify', 'idwise', body], env);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('refused: missing_authorization (answer 401)');

    const wrong = await cli(
      ['verify', 'idwise', body, '--header', 'Authorization: Basic d3Jvbmc='],
      env,
    );
    expect(wrong.stdout).toContain('refused: invalid_authorization');

    const ok = await cli(
      [
        'verify',
        'idwise',
        body,
        '--header',
        'Authorization: Basic ZGV2OmRldi1pZHdpc2UtcGFzc3dvcmQ=',
        '--json',
      ],
      env,
    );
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({
      result: 'accepted',
      answer: 200,
      eventId: 'idwise:v-1',
    });
  });
});

describe('when the pipeline is not running', () => {
  it('every command says what to do', async () => {
    const closed = String(await freePort());
    const closedSqs = String(await freePort());
    const down = { ...env, PORT: closed, KYC_DYNAMODB_PORT: closed, KYC_SQS_PORT: closedSqs };

    const history = await cli(['history', 'treezor', USER], down);
    expect(history.code).toBe(1);
    expect(history.stderr).toBe(
      `Nothing answers at http://127.0.0.1:${closed} (DynamoDB): is \`npm start\` running? ` +
        'None was found through its instance file (.local/instance.json, or in ' +
        "KYC_EVENTS_FILE's folder), so this command tried the default ports and any the " +
        'environment sets.\n',
    );

    const replay = await cli(['replay', '--unpublished', '--dry-run'], down);
    expect(replay.code).toBe(1);
    expect(replay.stderr).toContain('is `npm start` running?');

    const redrive = await cli(['redrive'], down);
    expect(redrive.code).toBe(1);
    expect(redrive.stderr).toContain(
      `http://127.0.0.1:${closedSqs} (SQS): is \`npm start\` running?`,
    );

    const send = await cli(['send', 'treezor', 'user.kycreview'], down);
    expect(send.code).toBe(1);
    expect(send.stderr).toContain('Start the local pipeline with npm start');
  });

  it('names the missing table when a DynamoDB engine answers without it', async () => {
    const port = new URL(used.pipeline.urls.dynamodb).port;
    const run = await cli(['history', 'treezor', USER], {
      ...env,
      KYC_DYNAMODB_TABLE: 'kyc-webhooks-missing',
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `No table kyc-webhooks-missing at http://127.0.0.1:${port}: is \`npm start\` running?`,
    );
  });
});
