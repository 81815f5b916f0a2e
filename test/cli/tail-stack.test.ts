import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CloudWatchLogsClient,
  FilterLogEventsCommand,
  type FilteredLogEvent,
} from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoEventStore } from '../../lambdas/adapters/dynamo-event-store.js';
import { processRecord } from '../../lambdas/processor/process-record.js';
import { OUTPUTS, STACK_NAME } from '../../lib/outputs.js';
import { createTable } from '../../local/resources.js';
import { idwiseMessage, sqsRecord } from '../support/deliveries.js';
import { dynamodbEndpoint, LOCAL_CLIENT, uniqueTableName } from '../support/local-pipeline.js';
import { waitFor } from '../support/wait.js';
import { startInterruptible } from './cli-support.js';

/**
 * `tail` against a deployed stack: the processor's "event published" log lines, each event read
 * from the table. The table is DynamoDB Local holding events the real processor stored (the
 * stack's client reaches it through the SDK's own AWS_ENDPOINT_URL_DYNAMODB); CloudWatch Logs,
 * which has no local engine, is the SDK mocked with lines shaped as the processor logs them.
 */

const logs = mockClient(CloudWatchLogsClient);
const dir = mkdtempSync(join(tmpdir(), 'kyc-tail-stack-'));
const TABLE = uniqueTableName('tail-stack');
const LOG_GROUP = '/aws/lambda/KycWebhooks-ProcessorFunction-abc';
const NOW = new Date('2026-06-01T12:00:00.000Z');
const SAVED_ENV = { ...process.env };
/** Received ten minutes before the tail starts (IDWise sends no time of its own). */
const RECEIVED_AT = new Date(NOW.getTime() - 600_000).toISOString();

/** As `cdk deploy --outputs-file` writes them: the stack's outputs, less those left out. */
function writeOutputs(file: string, leftOut: readonly string[] = []): string {
  const outputs: Record<string, string> = {
    [OUTPUTS.apiUrl]: 'https://abc.execute-api.us-east-1.amazonaws.com/',
    [OUTPUTS.tableName]: TABLE,
    [OUTPUTS.eventBusName]: 'kyc-webhooks',
    [OUTPUTS.deadLetterQueueUrl]: 'https://sqs.us-east-1.amazonaws.com/111122223333/dlq',
    [OUTPUTS.deadLetterQueueArn]: 'arn:aws:sqs:us-east-1:111122223333:dlq',
    [OUTPUTS.processorLogGroup]: LOG_GROUP,
  };
  for (const name of leftOut) delete outputs[name];
  writeFileSync(file, JSON.stringify({ [STACK_NAME]: outputs }));
  return file;
}
const outputsFile = writeOutputs(join(dir, 'outputs.json'));

beforeAll(async () => {
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: dynamodbEndpoint(),
    AWS_ACCESS_KEY_ID: LOCAL_CLIENT.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CLIENT.credentials.secretAccessKey,
  });
  const dynamodb = new DynamoDBClient({ ...LOCAL_CLIENT, endpoint: dynamodbEndpoint() });
  await createTable(dynamodb, TABLE);
  const store = DynamoEventStore.create(dynamodb, TABLE);
  for (const [eventId, finalDecision] of [
    ['tail-1', 'Complete'],
    ['tail-2', 'Refer'],
  ] as const) {
    await processRecord(
      sqsRecord(
        idwiseMessage({
          eventId,
          journeyId: `j-${eventId}`,
          finalDecision,
          receivedAt: RECEIVED_AT,
        }),
      ),
      {
        store,
        now: () => NOW,
        includePayload: false,
        retentionDays: 1,
        leaseMs: 1_000,
        log: { info: () => undefined, warn: () => undefined },
      },
      async (events) => events.map(() => ({ ok: true as const })),
    );
  }
  dynamodb.destroy();
});

afterAll(() => {
  logs.restore();
  process.env = SAVED_ENV;
  rmSync(dir, { recursive: true, force: true });
});

/** A line as the processor's Powertools logger writes it (process-batch.ts). */
function published(id: string, eventId: string, timestamp: number): FilteredLogEvent {
  return {
    eventId: id,
    logStreamName: '2026/06/01/[$LATEST]abc',
    timestamp,
    message: JSON.stringify({
      level: 'INFO',
      message: 'event published',
      eventId,
      messageId: `m-${id}`,
      vendor: 'idwise',
    }),
  };
}

function startTail(argv: readonly string[]) {
  return startInterruptible(
    ['tail', '--outputs', outputsFile, ...argv],
    {},
    {
      now: NOW,
      pollMs: 20,
    },
  );
}

describe('tail on a deployed stack', () => {
  it('follows the published lines of the processor log, each read from the table, once', async () => {
    logs.reset();
    const before = NOW.getTime() - 30 * 60_000;
    let calls = 0;
    logs.on(FilterLogEventsCommand).callsFake((input: { startTime: number }) => {
      calls += 1;
      // The same lines come back on every poll (each looks back a minute); the second event,
      // and a line of an event the table no longer holds, appear later.
      const lines = [published('l1', 'idwise:tail-1', before)];
      if (calls >= 3) {
        lines.push(published('l2', 'idwise:expired', NOW.getTime() + 1_000));
        lines.push(published('l3', 'idwise:tail-2', NOW.getTime() + 2_000));
      }
      // As CloudWatch Logs does: nothing older than the start asked for.
      return { events: lines.filter((line) => (line.timestamp ?? 0) >= input.startTime) };
    });

    const tail = startTail(['--since', '1h']);
    await waitFor('both events', () => tail.lines().length >= 2);
    await waitFor('more polls', () => calls >= 6);
    expect(await tail.interrupt()).toBe(0);

    const lines = tail.lines();
    expect(lines).toHaveLength(2);
    expect(lines[0]?.split(/ {2,}/)).toEqual([
      RECEIVED_AT,
      'kyc.idwise',
      'KYC Verification Updated',
      'idwise:tail-1',
      'journey j-tail-1',
      'approved',
      'outOfOrder=false',
    ]);
    expect(lines[1]).toContain('idwise:tail-2');
    expect(lines[1]).toContain('in_review');
    expect(tail.output.stderr).toContain(`Following ${LOG_GROUP} of stack ${STACK_NAME}`);

    const input = logs.commandCalls(FilterLogEventsCommand)[0]?.args[0].input;
    expect(input).toMatchObject({
      logGroupName: LOG_GROUP,
      startTime: NOW.getTime() - 3_600_000,
      filterPattern: '{ $.message = "event published" }',
    });
  });

  it('applies --pattern and prints --json entries as a rule would match them', async () => {
    logs.reset();
    logs.on(FilterLogEventsCommand).resolves({
      events: [
        published('p1', 'idwise:tail-1', NOW.getTime() - 1_000),
        published('p2', 'idwise:tail-2', NOW.getTime() - 500),
      ],
    });
    const tail = startTail([
      '--since',
      '1h',
      '--json',
      '--pattern',
      '{"detail": {"status": ["in_review"]}}',
    ]);
    await waitFor('the matching event', () => tail.lines().length >= 1);
    await waitFor('another poll', () => logs.commandCalls(FilterLogEventsCommand).length >= 3);
    expect(await tail.interrupt()).toBe(0);
    const entries = tail.lines().map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      Source: 'kyc.idwise',
      DetailType: 'KYC Verification Updated',
      EventBusName: 'kyc-webhooks',
    });
    expect(JSON.parse(String(entries[0]?.['Detail']))).toMatchObject({
      eventId: 'idwise:tail-2',
      status: 'in_review',
    });
  });

  it('says when the log group does not exist, rather than blaming the table', async () => {
    logs.reset();
    logs.on(FilterLogEventsCommand).rejects(
      Object.assign(new Error('The specified log group does not exist.'), {
        name: 'ResourceNotFoundException',
      }),
    );
    const tail = startTail([]);
    await waitFor('the answer', () => tail.output.stderr.includes('No log group'));
    expect(await tail.interrupt()).toBe(1);
    expect(tail.output.stderr).toContain(
      `No log group ${LOG_GROUP} (The specified log group does not exist.)`,
    );
    expect(tail.output.stderr).not.toContain('No table');
  });

  it('says which output is missing from a stack deployed before it', async () => {
    const old = writeOutputs(join(dir, 'old-outputs.json'), [OUTPUTS.processorLogGroup]);
    const tail = startTail(['--outputs', old]);
    expect(await tail.interrupt()).toBe(1);
    expect(tail.output.stderr).toContain(`has no output ${OUTPUTS.processorLogGroup}`);
  });
});
