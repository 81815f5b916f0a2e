import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CloudWatchLogsClient,
  GetQueryResultsCommand,
  StartQueryCommand,
  type GetQueryResultsCommandOutput,
  type StartQueryCommandInput,
} from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import {
  attemptsQuery,
  recordFromRow,
  recordsQuery,
} from '../../lambdas/adapters/logs-insights-delivery-log.js';
import { OUTPUTS, STACK_NAME } from '../../lib/outputs.js';
import { runCli } from '../../cli/run.js';

/**
 * `deliveries` against a deployed stack: Logs Insights over the ingest log groups the stack's
 * outputs name. CloudWatch Logs is the SDK mocked with results shaped as Logs Insights returns
 * them (every value a string, fields in the order of the query's `fields`, `@ptr` last).
 */

const logs = mockClient(CloudWatchLogsClient);
const dir = mkdtempSync(join(tmpdir(), 'kyc-deliveries-'));
const outputsFile = join(dir, 'outputs.json');
const LOG_GROUPS = [
  'KycWebhooks-IngestApitreezorFunctionLogs1A2B3C-xyz',
  'KycWebhooks-IngestApiidwiseFunctionLogs4D5E6F-abc',
];
const HASH_A = 'a'.repeat(64);
const HASH_B = 'b'.repeat(64);

/** Writes an outputs file as `cdk deploy --outputs-file` would, with the ingest log groups or not. */
function writeOutputs(file: string, withLogGroups: boolean): void {
  const outputs = {
    [OUTPUTS.apiUrl]: 'https://abc.execute-api.eu-west-1.amazonaws.com/',
    [OUTPUTS.tableName]: 'kyc-webhooks-events',
    [OUTPUTS.eventBusName]: 'kyc-webhooks',
    [OUTPUTS.deadLetterQueueUrl]: 'https://sqs.eu-west-1.amazonaws.com/111122223333/dlq',
    [OUTPUTS.deadLetterQueueArn]: 'arn:aws:sqs:eu-west-1:111122223333:dlq',
    ...(withLogGroups && { [OUTPUTS.ingestLogGroups]: LOG_GROUPS.join(',') }),
  };
  writeFileSync(file, JSON.stringify({ [STACK_NAME]: outputs }));
}

writeOutputs(outputsFile, true);

afterAll(() => {
  logs.restore();
  rmSync(dir, { recursive: true, force: true });
});

/** A record row as Logs Insights returns it for `recordsQuery`. */
function row(fields: Record<string, string>): GetQueryResultsCommandOutput['results'] & object {
  return [
    [
      ...Object.entries(fields).map(([field, value]) => ({ field, value })),
      { field: '@ptr', value: 'CmAKJwojMTExMTIyMjIzMzMzOktZQ1dlYmhvb2tz' },
    ],
  ];
}

const REFUSED = {
  receivedAt: '2026-03-01T10:05:00.000Z',
  vendor: 'treezor',
  route: '/webhooks/treezor',
  sourceIp: '198.51.100.7',
  requestId: 'req-2',
  bodyBytes: '812',
  status: '401',
  result: 'refused',
  reason: 'invalid_signature',
  contentHash: HASH_A,
  bodyRef: 's3://kyc-refused/treezor/2026-03-01/100500000_req-2',
};
const ACCEPTED = {
  receivedAt: '2026-03-01T10:00:00.000Z',
  vendor: 'treezor',
  route: '/webhooks/treezor',
  sourceIp: '198.51.100.7',
  requestId: 'req-1',
  bodyBytes: '790',
  status: '200',
  result: 'accepted',
  dedupId: 'treezor-evt-1',
  contentHash: HASH_B,
};

const NOW = new Date('2026-03-01T12:00:00.000Z');

function answerQueries(): void {
  logs.reset();
  logs.on(StartQueryCommand).callsFake((input: StartQueryCommandInput) => ({
    queryId: input.queryString?.includes('stats') ? 'q-attempts' : 'q-records',
  }));
  // The first poll finds each query still running, as it usually is.
  logs
    .on(GetQueryResultsCommand, { queryId: 'q-records' })
    .resolvesOnce({ status: 'Running', results: [] })
    .resolves({
      status: 'Complete',
      results: [...row(REFUSED), ...row(ACCEPTED)],
      statistics: { recordsMatched: 2, recordsScanned: 40, bytesScanned: 9000 },
    });
  logs.on(GetQueryResultsCommand, { queryId: 'q-attempts' }).resolves({
    status: 'Complete',
    results: [
      [
        { field: 'contentHash', value: HASH_A },
        { field: 'attempts', value: '3' },
      ],
      [
        { field: 'contentHash', value: HASH_B },
        { field: 'attempts', value: '1' },
      ],
    ],
  });
}

/** The CLI in-process against an outputs file, at `NOW`. */
async function run(argv: readonly string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(
    argv,
    {
      stdout: (text) => (stdout += text),
      stderr: (text) => (stderr += text),
      stderrIsTty: false,
      env: {},
      readStdin: async () => '',
      stdinIsTty: true,
    },
    { now: () => NOW, pollMs: 1 },
  );
  return { code, stdout, stderr };
}

const deliveries = (...args: string[]) => run(['deliveries', '--outputs', outputsFile, ...args]);

describe('the Logs Insights queries', () => {
  it('select delivery lines, the vendor and refusals asked for, newest first', () => {
    const query = recordsQuery({
      since: '2026-03-01T10:00:00.000Z',
      until: NOW.toISOString(),
      vendor: 'treezor',
      notAccepted: true,
      limit: 20,
    });
    expect(query.split('\n| ')).toEqual([
      'fields receivedAt, vendor, route, sourceIp, requestId, bodyBytes, status, result, ' +
        'reason, dedupId, contentHash, bodyRef',
      'filter ispresent(contentHash) and ispresent(result)',
      'filter vendor = "treezor"',
      'filter result != "accepted"',
      'sort receivedAt desc',
      'limit 20',
    ]);
  });

  it('count attempts over every delivery line of the window', () => {
    expect(attemptsQuery()).toBe(
      'filter ispresent(contentHash) and ispresent(result)\n' +
        '| stats count(*) as attempts by contentHash\n' +
        '| limit 10000',
    );
  });

  it('read a row back as a record, numbers as numbers, @ptr left out', () => {
    const [cells] = row(ACCEPTED);
    expect(recordFromRow(cells ?? [])).toEqual({ ...ACCEPTED, bodyBytes: 790, status: 200 });
  });

  it('skip a row that is not a whole record', () => {
    expect(recordFromRow([{ field: 'contentHash', value: HASH_A }])).toBeUndefined();
  });
});

describe('npx kyc-webhooks deliveries --outputs …', () => {
  beforeEach(answerQueries);

  it('queries the stack’s ingest log groups over the window', async () => {
    const run = await deliveries('--since', '2h', '--vendor', 'treezor', '--refused', '--json');
    expect(run.code, run.stderr).toBe(0);
    const starts = logs.commandCalls(StartQueryCommand).map((call) => call.args[0].input);
    expect(starts).toHaveLength(2);
    for (const input of starts) {
      expect(input.logGroupNames).toEqual(LOG_GROUPS);
      expect(input.startTime).toBe(Date.parse('2026-03-01T10:00:00.000Z') / 1000);
      expect(input.endTime).toBe(NOW.getTime() / 1000);
    }
    expect(starts.map((input) => input.queryString)).toContain(
      recordsQuery({
        since: '2026-03-01T10:00:00.000Z',
        until: NOW.toISOString(),
        vendor: 'treezor',
        notAccepted: true,
        limit: 50,
      }),
    );
  });

  it('shows each record with its content’s attempts', async () => {
    const run = await deliveries('--json');
    expect(run.code, run.stderr).toBe(0);
    const { deliveries: found } = JSON.parse(run.stdout) as {
      deliveries: { requestId: string; attempts: number; status: number; bodyRef?: string }[];
    };
    expect(found.map((d) => [d.requestId, d.status, d.attempts])).toEqual([
      ['req-2', 401, 3],
      ['req-1', 200, 1],
    ]);
    expect(found[0]?.bodyRef).toBe(REFUSED.bodyRef);
  });

  it('says so when a query fails', async () => {
    logs.on(GetQueryResultsCommand, { queryId: 'q-records' }).resolves({ status: 'Failed' });
    const run = await deliveries();
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('the Logs Insights query ended Failed; try again');
  });

  it('says what to do when the stack predates the delivery log output', async () => {
    const old = join(dir, 'old-outputs.json');
    writeOutputs(old, false);
    const { code, stderr } = await run(['deliveries', '--outputs', old]);
    expect(code).toBe(1);
    expect(stderr).toContain(OUTPUTS.ingestLogGroups);
    expect(stderr).toContain('deploy the current version');
  });
});
