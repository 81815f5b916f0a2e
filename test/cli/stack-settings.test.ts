import { readFileSync } from 'node:fs';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSettings, OUTPUTS, STACK_NAME } from '../../lib/outputs.js';
import { RUNTIME_DEFAULTS } from '../../lambdas/runtime/env.js';
import { LOCAL_REGION } from '../../local/clients.js';
import { LOCAL_CLIENT, startTestPipeline, type TestPipeline } from '../support/local-pipeline.js';
import { localBusEntries } from '../support/wait.js';
import { cli, envFor, ROOT, waitFor } from './cli-support.js';

/**
 * A deployed stack's settings come from the stack, never from this checkout's cdk.json: replay
 * against a stack whose `Settings` output says payloads are off republishes without them, though
 * cdk.json here says on; history queries the legacy index only when the stack says its table has
 * it (the local table, like a new stack's, has not: a query of it fails there). The "stack" is CloudFormation mocked to describe the local engines, which
 * its DynamoDB and EventBridge clients reach through the SDK's own endpoint variables.
 */

interface Published {
  readonly eventId: string;
  readonly subject: { readonly kind: string; readonly id: string };
  readonly payload?: unknown;
  readonly payloadOmitted?: string;
}

const cloudFormation = mockClient(CloudFormationClient);
/** The variables this file sets, with what they were, to put back. */
const SDK_ENV = [
  'AWS_ENDPOINT_URL_DYNAMODB',
  'AWS_ENDPOINT_URL_EVENTBRIDGE',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_PROFILE',
] as const;
const saved = new Map(SDK_ENV.map((name) => [name, process.env[name]]));

let testPipeline: TestPipeline;
let eventsFile: string;
let eventId: string;

beforeAll(async () => {
  testPipeline = await startTestPipeline();
  const { pipeline } = testPipeline;
  eventsFile = pipeline.eventsFile;
  const sent = await cli(['send', 'idwise', 'finished-step'], envFor(pipeline));
  expect(sent.code, sent.stderr).toBe(0);
  eventId = await waitFor('the sent event', () => published()[0]?.eventId);
  // Published, then marked so: until then replay finds it under the processor's lease.
  await waitFor('the event marked published', async () => {
    const dry = await cli(['replay', '--event-id', eventId, '--dry-run'], envFor(pipeline));
    return dry.stdout.includes(`${eventId}  unchanged`);
  });

  process.env['AWS_ENDPOINT_URL_DYNAMODB'] = pipeline.urls.dynamodb;
  process.env['AWS_ENDPOINT_URL_EVENTBRIDGE'] = pipeline.urls.eventBridge;
  process.env['AWS_ACCESS_KEY_ID'] = LOCAL_CLIENT.credentials.accessKeyId;
  process.env['AWS_SECRET_ACCESS_KEY'] = LOCAL_CLIENT.credentials.secretAccessKey;
  delete process.env['AWS_PROFILE'];
});

afterAll(async () => {
  cloudFormation.restore();
  for (const [name, value] of saved) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await testPipeline?.stop();
});

function published(): Published[] {
  return localBusEntries(eventsFile).map((entry) => JSON.parse(entry.Detail) as Published);
}

/** DescribeStacks answers with the local pipeline's names, and `settings` unless `null`. */
function describeStack(settings: Parameters<typeof encodeSettings>[0] | null): void {
  const outputs: Record<string, string> = {
    [OUTPUTS.apiUrl]: 'https://abc.execute-api.us-east-1.amazonaws.com/',
    [OUTPUTS.tableName]: testPipeline.pipeline.tableName,
    [OUTPUTS.eventBusName]: 'kyc-webhooks',
    [OUTPUTS.deadLetterQueueUrl]: 'https://sqs.us-east-1.amazonaws.com/111122223333/dlq',
    [OUTPUTS.deadLetterQueueArn]: `arn:aws:sqs:${LOCAL_REGION}:111122223333:dlq`,
    ...(settings && { [OUTPUTS.settings]: encodeSettings(settings) }),
  };
  cloudFormation.reset();
  cloudFormation.on(DescribeStacksCommand, { StackName: STACK_NAME }).resolves({
    Stacks: [
      {
        StackName: STACK_NAME,
        CreationTime: new Date(0),
        StackStatus: 'UPDATE_COMPLETE',
        Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({
          OutputKey,
          OutputValue,
        })),
      },
    ],
  });
}

const replay = (): Promise<{ code: number; stdout: string; stderr: string }> =>
  cli(
    ['replay', '--event-id', eventId, '--force', '--stack', STACK_NAME, '--region', LOCAL_REGION],
    {},
  );

describe('replay against a deployed stack', () => {
  it('omits payloads when the stack says so, whatever cdk.json says', async () => {
    const cdkJson = JSON.parse(readFileSync(`${ROOT}/cdk.json`, 'utf8')) as {
      context: { kycWebhooks: { includePayload?: boolean } };
    };
    expect(cdkJson.context.kycWebhooks.includePayload).not.toBe(false);
    expect(published()[0]?.payload).toBeDefined();

    describeStack({ ...RUNTIME_DEFAULTS, includePayload: false, legacySubjectIndex: false });
    const run = await replay();
    expect(run.code, run.stderr + run.stdout).toBe(0);
    expect(run.stdout).toContain(`${eventId}  published`);
    const last = published().at(-1);
    expect(last?.eventId).toBe(eventId);
    expect(last?.payload).toBeUndefined();
    expect(last?.payloadOmitted).toBe('disabled');
  });

  it('includes them when the stack publishes payloads', async () => {
    describeStack({ ...RUNTIME_DEFAULTS, includePayload: true, legacySubjectIndex: false });
    const run = await replay();
    expect(run.code, run.stderr + run.stdout).toBe(0);
    expect(published().at(-1)?.payload).toBeDefined();
  });

  it('refuses to guess for a stack deployed before the Settings output', async () => {
    describeStack(null);
    const before = published().length;
    const run = await replay();
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`Stack ${STACK_NAME} has no output ${OUTPUTS.settings}`);
    expect(run.stderr).toContain('deploy the current version of the stack');
    expect(published()).toHaveLength(before);
  });
});

describe('history against a deployed stack', () => {
  const history = (): Promise<{ code: number; stdout: string; stderr: string }> => {
    const { kind, id } = published()[0]!.subject;
    const target = ['--stack', STACK_NAME, '--region', LOCAL_REGION];
    return cli(['history', 'idwise', id, '--kind', kind, '--json', ...target], {});
  };

  it('reads a table without the legacy index when the stack says it has none', async () => {
    describeStack({ ...RUNTIME_DEFAULTS, legacySubjectIndex: false });
    const run = await history();
    expect(run.code, run.stderr + run.stdout).toBe(0);
    const json = JSON.parse(run.stdout) as {
      subjects: { events: { detail: { eventId: string } }[] }[];
    };
    expect(json.subjects.flatMap((s) => s.events.map((e) => e.detail.eventId))).toContain(eventId);
  });

  it('queries the legacy index when the stack says it has one (here it has not, so it fails)', async () => {
    describeStack({ ...RUNTIME_DEFAULTS, legacySubjectIndex: true });
    const run = await history();
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('The table does not have the specified index: bySubject');
  });
});
