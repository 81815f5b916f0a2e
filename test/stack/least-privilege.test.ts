import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ENV } from '../../lambdas/runtime/env.js';
import { VENDORS } from '../../lambdas/vendors/registry.js';
import { environmentOf, resourcesOf, synthStack } from './synth-stack.js';

interface Statement {
  readonly Effect: string;
  readonly Action: string | readonly string[];
  readonly Resource: unknown;
}

interface PolicyDocument {
  readonly Statement: readonly Statement[];
}

type Kind = 'ingest' | 'token' | 'processor' | 'enrichment' | 'reconcile';

/** Every statement any policy gives each function's role, keyed by function logical id. */
function grantsByFunction(
  template: Template,
): Map<string, { kind: Kind; statements: Statement[] }> {
  const roles = new Map(resourcesOf(template, 'AWS::IAM::Role'));
  const policies = resourcesOf(template, 'AWS::IAM::Policy');
  const found = new Map<string, { kind: Kind; statements: Statement[] }>();
  for (const [id, fn] of resourcesOf(template, 'AWS::Lambda::Function')) {
    const env = environmentOf(fn);
    const service = env['POWERTOOLS_SERVICE_NAME'];
    const kind: Kind =
      typeof env[ENV.vendor] === 'string'
        ? 'ingest'
        : service === 'kyc-token-ondato'
          ? 'token'
          : service === 'kyc-enrichment'
            ? 'enrichment'
            : service === 'kyc-reconcile'
              ? 'reconcile'
              : 'processor';
    const roleId = (fn.Properties['Role'] as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const inline = (
      (roles.get(roleId)?.Properties['Policies'] ?? []) as { PolicyDocument: PolicyDocument }[]
    ).flatMap((policy) => policy.PolicyDocument.Statement);
    const attached = policies
      .filter(
        ([, policy]) => JSON.stringify(policy.Properties['Roles']) === `[{"Ref":"${roleId}"}]`,
      )
      .flatMap(([, policy]) => (policy.Properties['PolicyDocument'] as PolicyDocument).Statement);
    // Every policy naming this role names it alone: no grant is shared between functions.
    for (const [, policy] of policies) {
      const text = JSON.stringify(policy.Properties['Roles']);
      if (text.includes(`"${roleId}"`)) expect(text).toBe(`[{"Ref":"${roleId}"}]`);
    }
    found.set(id, { kind, statements: [...inline, ...attached] });
  }
  return found;
}

const actionsOf = (statements: readonly Statement[]): string[] =>
  [
    ...new Set(statements.flatMap((s) => (typeof s.Action === 'string' ? [s.Action] : s.Action))),
  ].sort();

const LOGS = ['logs:CreateLogStream', 'logs:PutLogEvents'];
const XRAY = ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'];

/** Each function's exact actions, from what its code calls (see each grant's comment). */
const EXPECTED: Readonly<Record<Kind, readonly string[]>> = {
  // lambdas/ingest/handler.ts: GetSecretValue on its own secret, SendMessage to the queue.
  ingest: [...LOGS, 'secretsmanager:GetSecretValue', 'sqs:SendMessage'],
  // lambdas/token/handler.ts: GetSecretValue on the Ondato secret.
  token: [...LOGS, 'secretsmanager:GetSecretValue'],
  // lambdas/adapters/dynamo-event-store.ts (GetItem, BatchGetItem, UpdateItem, PutItem,
  // TransactWriteItems of Put, Update and ConditionCheck, PartiQL UPDATE), the SQS event source,
  // and PutEvents.
  processor: [
    ...LOGS,
    'dynamodb:BatchGetItem',
    'dynamodb:ConditionCheckItem',
    'dynamodb:GetItem',
    'dynamodb:PartiQLUpdate',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'events:PutEvents',
    'sqs:DeleteMessage',
    'sqs:GetQueueAttributes',
    'sqs:ReceiveMessage',
  ],
  // lambdas/enrichment/handler.ts: GetSecretValue on the secrets of vendors with an API, its own
  // queue's event source, SendMessage to the ingest queue, PutItem and DeleteItem on the
  // open-subjects table, GetItem on the event table (Truuth's stored bodies, narrowed by leading
  // key). Its one write to the results bucket is granted by the bucket's policy
  // (test/enrichment/enrichment-stack.test.ts).
  enrichment: [
    ...LOGS,
    'dynamodb:DeleteItem',
    'dynamodb:GetItem',
    'dynamodb:PutItem',
    'secretsmanager:GetSecretValue',
    'sqs:DeleteMessage',
    'sqs:GetQueueAttributes',
    'sqs:ReceiveMessage',
    'sqs:SendMessage',
  ],
  // lambdas/reconcile/handler.ts: Scan on the open-subjects table, then what enrichment asks with.
  reconcile: [...LOGS, 'dynamodb:Scan', 'secretsmanager:GetSecretValue', 'sqs:SendMessage'],
};

/** What a customer-managed key adds: SQS sends and receives, DynamoDB reads and writes. */
const WITH_KEY: Readonly<Record<Kind, readonly string[]>> = {
  ingest: ['kms:Decrypt', 'kms:GenerateDataKey'],
  token: [],
  processor: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'],
  // Sending to the ingest queue, writing results under the bucket's key, the open-subjects table.
  enrichment: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'],
  reconcile: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'],
};

const KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

describe.each([
  ['the default configuration', {}, (kind: Kind) => EXPECTED[kind]],
  ['a key created in the stack', { kmsKey: true }, (k: Kind) => [...EXPECTED[k], ...WITH_KEY[k]]],
  ['a key given by ARN', { kmsKey: KEY_ARN }, (k: Kind) => [...EXPECTED[k], ...WITH_KEY[k]]],
  ['tracing', { tracing: true }, (kind: Kind) => [...EXPECTED[kind], ...XRAY]],
])('IAM with %s', (_name, overrides, expected) => {
  const grants = grantsByFunction(synthStack(overrides));

  it('gives one role per function: every ingest function, the token function, the processor', () => {
    const kinds = [...grants.values()].map((g) => g.kind);
    expect(kinds.filter((k) => k === 'ingest')).toHaveLength(VENDORS.length);
    expect(kinds.filter((k) => k === 'token')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'processor')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'enrichment')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'reconcile')).toHaveLength(1);
  });

  it('grants each function exactly the actions its code calls, and no new one unnoticed', () => {
    for (const [id, { kind, statements }] of grants) {
      expect(actionsOf(statements), id).toEqual([...expected(kind)].sort());
    }
  });

  it('allows only, and on named resources (X-Ray alone has none narrower than "*")', () => {
    for (const [id, { statements }] of grants) {
      for (const statement of statements) {
        expect(statement.Effect, id).toBe('Allow');
        const actions =
          typeof statement.Action === 'string' ? [statement.Action] : statement.Action;
        if (actions.every((action) => action.startsWith('xray:'))) continue;
        expect(JSON.stringify(statement.Resource), id).not.toMatch(/"\*"|\/\*"|\/index\//);
      }
    }
  });
});

describe('the processor', () => {
  const processors = [...grantsByFunction(synthStack()).values()].filter(
    (g) => g.kind === 'processor',
  );
  expect(processors).toHaveLength(1);
  const { statements } = processors[0]!;

  it.each(['dynamodb:Scan', 'dynamodb:Query', 'dynamodb:BatchWriteItem', 'dynamodb:DeleteItem'])(
    'may not %s',
    (action) => {
      expect(actionsOf(statements)).not.toContain(action);
      expect(JSON.stringify(statements)).not.toMatch(/dynamodb:\*|"\*"/);
    },
  );

  it('uses the table, not its index', () => {
    const dynamo = statements.filter((s) => JSON.stringify(s.Action).includes('dynamodb:'));
    expect(dynamo.map((s) => s.Resource)).toEqual([
      { 'Fn::GetAtt': [expect.stringMatching(/^EventStoreTable/), 'Arn'] },
    ]);
  });
});
