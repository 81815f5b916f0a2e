import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { OUTPUTS, STACK_NAME } from '../../lib/outputs.js';
import { cli } from '../cli/cli-support.js';

/**
 * `reconcile --outputs …` runs a deployed stack's sweep function: Lambda is mocked (the
 * function's own code is tested in local mode), the stack is an outputs file as `cdk deploy
 * --outputs-file` writes it.
 */

const lambda = mockClient(LambdaClient);
const FUNCTION = 'KycWebhooks-EnrichmentReconcileFunction-abc123';

function outputsFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'kyc-reconcile-')), 'outputs.json');
  writeFileSync(
    file,
    JSON.stringify({
      [STACK_NAME]: {
        [OUTPUTS.tableName]: 'kyc-table',
        [OUTPUTS.eventBusName]: 'kyc-webhooks',
        [OUTPUTS.apiUrl]: 'https://api.example.com/',
        [OUTPUTS.deadLetterQueueUrl]: 'https://sqs.eu-west-1.amazonaws.com/123456789012/dlq',
        [OUTPUTS.deadLetterQueueArn]: 'arn:aws:sqs:eu-west-1:123456789012:dlq',
        [OUTPUTS.reconcileFunction]: FUNCTION,
      },
    }),
  );
  return file;
}

/** The sweep's answer of `open` subjects, one past its window: an IDWise journey in review. */
const answerOne = (open: number, subject: { id: string; outcome: string; error?: string }) => {
  const value = {
    open,
    subjects: [
      {
        vendor: 'idwise',
        kind: 'journey',
        status: 'in_review',
        since: '2026-11-01T00:00:00.000Z',
        ...subject,
      },
    ],
  };
  return { Payload: Buffer.from(JSON.stringify(value)) as never };
};

afterEach(() => {
  lambda.reset();
});

describe('npx kyc-webhooks reconcile against a stack', () => {
  it('invokes the sweep function with the options, and lists what it did', async () => {
    lambda.on(InvokeCommand).resolves(answerOne(3, { id: 'j-1', outcome: 'queued' }));
    const run = await cli(
      ['reconcile', '--vendor', 'idwise', '--since', '2026-11-01', '--outputs', outputsFile()],
      {},
    );
    expect(run.code, run.stderr).toBe(0);
    const [call] = lambda.commandCalls(InvokeCommand);
    expect(call?.args[0].input.FunctionName).toBe(FUNCTION);
    expect(JSON.parse(Buffer.from(call!.args[0].input.Payload as Uint8Array).toString())).toEqual({
      vendor: 'idwise',
      since: '2026-11-01T00:00:00.000Z',
    });
    expect(run.stdout).toContain('3 open subject(s) looked at, 1 past their window');
    expect(run.stdout).toMatch(
      /idwise\s+journey\/j-1\s+in_review\s+2026-11-01T00:00:00.000Z\s+queued/,
    );
  });

  it('fails, saying why, when a subject could not be asked or the function failed', async () => {
    lambda.on(InvokeCommand).resolves(
      answerOne(1, {
        id: 'j-2',
        outcome: 'failed',
        error: 'The idwise API answered 503; will retry',
      }),
    );
    const partly = await cli(['reconcile', '--outputs', outputsFile()], {});
    expect(partly.code).toBe(1);
    expect(partly.stdout).toContain('failed: The idwise API answered 503');

    lambda.reset();
    lambda.on(InvokeCommand).resolves({
      FunctionError: 'Unhandled',
      Payload: Buffer.from(JSON.stringify({ errorMessage: 'Task timed out' })) as never,
    });
    const failed = await cli(['reconcile', '--dry-run', '--outputs', outputsFile()], {});
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('The sweep function failed: Task timed out');
    const last = lambda.commandCalls(InvokeCommand).at(-1);
    expect(JSON.parse(Buffer.from(last!.args[0].input.Payload as Uint8Array).toString())).toEqual({
      dryRun: true,
    });
  });
});
