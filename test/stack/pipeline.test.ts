import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { TABLE_SCHEMA } from '../../lambdas/adapters/dynamo-schema.js';
import { MAX_QUEUE_MESSAGE_BYTES } from '../../lambdas/ingest/ingest-delivery.js';
import { ENV } from '../../lambdas/runtime/env.js';
import { DEFAULT_PROCESSOR_MAX_CONCURRENCY } from '../../lib/constructs/processor.js';
import { environmentOf, resourcesOf, synthStack } from './synth-stack.js';
import type { CfnResource } from './synth-stack.js';

const template = synthStack();

function onlyResource(type: string, idPrefix: string): [string, CfnResource] {
  const found = resourcesOf(template, type).filter(([id]) => id.startsWith(idPrefix));
  expect(found).toHaveLength(1);
  return found[0]!;
}

const [queueId, queue] = onlyResource('AWS::SQS::Queue', 'IngestQueue8');
const [dlqId, dlq] = onlyResource('AWS::SQS::Queue', 'IngestQueueDeadLetterQueue');
const [processorId, processor] = onlyResource('AWS::Lambda::Function', 'ProcessorFunction');

describe('ingest queue', () => {
  it('redrives to the DLQ after 5 receives, and the DLQ keeps messages 14 days', () => {
    expect(queue.Properties['RedrivePolicy']).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] },
      maxReceiveCount: 5,
    });
    expect(dlq.Properties['MessageRetentionPeriod']).toBe(14 * 24 * 3600);
    expect(Number(queue.Properties['MessageRetentionPeriod'])).toBeLessThan(14 * 24 * 3600);
  });

  it('takes messages as large as ingest accepts (1 MiB), on both queues', () => {
    expect(queue.Properties['MaximumMessageSize']).toBe(MAX_QUEUE_MESSAGE_BYTES);
    expect(dlq.Properties['MaximumMessageSize']).toBe(MAX_QUEUE_MESSAGE_BYTES);
    expect(MAX_QUEUE_MESSAGE_BYTES).toBe(1_048_576);
  });

  it('keeps messages invisible for at least six processor timeouts', () => {
    const timeout = Number(processor.Properties['Timeout']);
    expect(timeout).toBe(30);
    expect(Number(queue.Properties['VisibilityTimeout'])).toBeGreaterThanOrEqual(6 * timeout);
  });

  it.each([
    ['queue', queueId],
    ['DLQ', dlqId],
  ])('encrypts the %s and denies every request not made over TLS', (_name, id) => {
    const [, resource] = resourcesOf(template, 'AWS::SQS::Queue').find(([key]) => key === id)!;
    expect(resource.Properties['SqsManagedSseEnabled']).toBe(true);
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: id }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sqs:*',
            Principal: { AWS: '*' },
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });
});

describe('processor', () => {
  it('consumes the queue in batches of 10 with partial batch failures, at most 10 at once', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      FunctionName: { Ref: processorId },
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: Match.anyValue(),
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: DEFAULT_PROCESSOR_MAX_CONCURRENCY },
    });
    expect(DEFAULT_PROCESSOR_MAX_CONCURRENCY).toBe(10);
  });

  it('keeps the event source mapping’s logical id (no replacement on deploy)', () => {
    // The processor's; enrichment has one of its own, on its own queue.
    const mappings = resourcesOf(template, 'AWS::Lambda::EventSourceMapping').filter(
      ([, mapping]) => JSON.stringify(mapping.Properties['FunctionName']).includes(processorId),
    );
    expect(mappings.map(([id]) => id)).toHaveLength(1);
    expect(mappings[0]![0]).toMatch(/^ProcessorFunctionSqsEventSourceKycWebhooksIngestQueue/);
  });

  it('takes its maximum concurrency from config', () => {
    synthStack({ processorMaxConcurrency: 3 }).hasResourceProperties(
      'AWS::Lambda::EventSourceMapping',
      { ScalingConfig: { MaximumConcurrency: 3 } },
    );
  });

  it('is told the table, bus, payload switch and retention', () => {
    expect(processor.Properties['MemorySize']).toBe(512);
    const env = environmentOf(processor);
    expect(JSON.stringify(env[ENV.tableName])).toMatch(/^\{"Ref":"EventStoreTable/);
    expect(JSON.stringify(env[ENV.eventBusName])).toMatch(/^\{"Ref":"EventBus/);
    expect(env[ENV.includePayload]).toBe('true');
    expect(env[ENV.retentionDays]).toBe('90');
  });

  it("is told the ingest queue's maxReceiveCount, so it can say a last failure is dead-lettered", () => {
    const [, queue] =
      resourcesOf(template, 'AWS::SQS::Queue').find(([, candidate]) =>
        JSON.stringify(candidate.Properties['RedrivePolicy'] ?? null).includes('maxReceiveCount'),
      ) ?? [];
    const policy = queue?.Properties['RedrivePolicy'] as { maxReceiveCount: number };
    expect(policy.maxReceiveCount).toBe(5);
    expect(environmentOf(processor)[ENV.maxReceiveCount]).toBe(String(policy.maxReceiveCount));
  });

  it('passes the payload switch and retention from config', () => {
    const env = synthStack({ includePayload: false, retentionDays: 7 }).findResources(
      'AWS::Lambda::Function',
      {
        Properties: { Environment: { Variables: { [ENV.includePayload]: Match.anyValue() } } },
      },
    ) as Record<string, CfnResource>;
    const variables = Object.values(env).map(environmentOf);
    expect(variables).toHaveLength(1);
    expect(variables[0]?.[ENV.includePayload]).toBe('false');
    expect(variables[0]?.[ENV.retentionDays]).toBe('7');
  });

  // The exact action set of every function: least-privilege.test.ts.
  it('may read and write the table and put events on the bus only', () => {
    const role = (processor.Properties['Role'] as { 'Fn::GetAtt': [string, string] })[
      'Fn::GetAtt'
    ][0];
    const statements = resourcesOf(template, 'AWS::IAM::Policy')
      .filter(([, policy]) => JSON.stringify(policy.Properties['Roles']).includes(`"${role}"`))
      .flatMap(
        ([, policy]) =>
          (policy.Properties['PolicyDocument'] as { Statement: Record<string, unknown>[] })
            .Statement,
      );
    const putEvents = statements.filter((s) => JSON.stringify(s['Action']).includes('events:'));
    expect(putEvents).toHaveLength(1);
    expect(putEvents[0]).toMatchObject({ Action: 'events:PutEvents', Effect: 'Allow' });
    expect(JSON.stringify(putEvents[0]?.['Resource'])).toMatch(
      /^\{"Fn::GetAtt":\["EventBus[0-9A-F]{8}","Arn"\]\}$/,
    );
    const dynamo = statements.find((s) => JSON.stringify(s['Action']).includes('dynamodb:PutItem'));
    expect(dynamo?.['Action']).toEqual(
      expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:PutItem']),
    );
    // The table itself, not its index: only the operator CLI queries the index.
    expect(dynamo?.['Resource']).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^EventStoreTable/), 'Arn'],
    });
    expect(JSON.stringify(statements)).not.toContain('secretsmanager:');
  });
});

describe('event store', () => {
  it('is an on-demand, encrypted, point-in-time-recoverable table with TTL and the subject index', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        DeletionProtectionEnabled: true,
        KeySchema: [{ AttributeName: TABLE_SCHEMA.partitionKey, KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: {
          AttributeName: TABLE_SCHEMA.timeToLiveAttribute,
          Enabled: true,
        },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
        AttributeDefinitions: Match.arrayWith([
          { AttributeName: TABLE_SCHEMA.partitionKey, AttributeType: 'S' },
          { AttributeName: TABLE_SCHEMA.lookupIndex.partitionKey, AttributeType: 'S' },
          { AttributeName: TABLE_SCHEMA.lookupIndex.sortKey, AttributeType: 'S' },
        ]),
        GlobalSecondaryIndexes: Match.arrayWith([
          {
            IndexName: 'byLookupKey',
            KeySchema: [
              { AttributeName: 'gsi1pk', KeyType: 'HASH' },
              { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
            ],
            // Only what the history reads: never the raw body, the payload or the publication mark.
            Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['detailType', 'detail'] },
          },
        ]),
      },
    });
    template.hasOutput('TableName', { Value: { Ref: Match.stringLikeRegexp('^EventStoreTable') } });
  });

  type Index = { IndexName: string; Projection: { ProjectionType: string } };
  function indexesOf(stack: typeof template): Index[] {
    const [[, table]] = resourcesOf(stack, 'AWS::DynamoDB::Table') as [[string, CfnResource]];
    return table.Properties['GlobalSecondaryIndexes'] as Index[];
  }

  it('has no index projecting ALL by default: only the lean lookup index', () => {
    const indexes = indexesOf(template);
    expect(indexes.map((index) => index.IndexName)).toEqual(['byLookupKey']);
    expect(indexes.filter((index) => index.Projection.ProjectionType === 'ALL')).toEqual([]);
  });

  it('keeps exactly the ALL-projected bySubject index for a stack deployed before it', () => {
    const indexes = indexesOf(synthStack({ legacySubjectIndex: true }));
    // Two at most: CloudFormation creates or deletes one index per update.
    expect(indexes.map((index) => index.IndexName).sort()).toEqual(['byLookupKey', 'bySubject']);
    const all = indexes.filter((index) => index.Projection.ProjectionType === 'ALL');
    expect(all).toEqual([
      {
        IndexName: 'bySubject',
        KeySchema: [
          { AttributeName: 'subjectKey', KeyType: 'HASH' },
          { AttributeName: 'occurredAt', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ]);
  });
});

describe('event bus', () => {
  it('is a named custom bus archived in full for as long as events are kept', () => {
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'kyc-webhooks' });
    template.hasResourceProperties('AWS::Events::Archive', {
      SourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EventBus'), 'Arn'] },
      EventPattern: { account: ['123456789012'] },
      RetentionDays: 90,
    });
    // The archive follows the data retention, unless it is set on its own.
    synthStack({ retentionDays: 30 }).hasResourceProperties('AWS::Events::Archive', {
      RetentionDays: 30,
    });
    synthStack({ retentionDays: 30, archiveRetentionDays: 365 }).hasResourceProperties(
      'AWS::Events::Archive',
      { RetentionDays: 365 },
    );
    template.hasOutput('EventBusName', {});
    template.hasOutput('EventBusArn', {});
  });
});
