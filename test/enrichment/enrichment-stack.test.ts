import { describe, expect, it } from 'vitest';
import { environmentOf, resourcesOf, statementsOf, synthStack } from '../stack/synth-stack.js';

const template = synthStack();
const enrichmentFunction = resourcesOf(template, 'AWS::Lambda::Function').find(
  ([, fn]) => environmentOf(fn)['POWERTOOLS_SERVICE_NAME'] === 'kyc-enrichment',
);
const [bucketId, bucket] = resourcesOf(template, 'AWS::S3::Bucket').find(([id]) =>
  id.startsWith('EnrichmentResults'),
)!;

describe('enrichment in the stack', () => {
  it('has one function, told the ingest queue, the results bucket and the secrets of vendors with an API', () => {
    expect(enrichmentFunction).toBeDefined();
    const env = environmentOf(enrichmentFunction![1]);
    expect(env['KYC_QUEUE_URL']).toEqual({ Ref: expect.stringMatching(/^IngestQueue/) });
    expect(env['KYC_RESULTS_BUCKET']).toEqual({ Ref: bucketId });
    // The vendors that declare an API (IDWise, bronID, and Truuth, whose secret may turn its
    // report archiving off): only their secrets are named.
    const secretIds = JSON.stringify(env['KYC_SECRET_IDS']);
    expect(secretIds).toContain('IngestApiidwiseSecret');
    expect(secretIds).toContain('IngestApibronidSecret');
    expect(secretIds).toContain('IngestApitruuthSecret');
    expect(secretIds).not.toMatch(/IngestApi(treezor|ondato)Secret/);
  });

  it('keeps results private, encrypted, TLS-only, for the retention, and beyond the stack', () => {
    const props = bucket.Properties;
    expect(props['PublicAccessBlockConfiguration']).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(JSON.stringify(props['BucketEncryption'])).toContain('"SSEAlgorithm":"AES256"');
    expect(props['LifecycleConfiguration']).toEqual({
      Rules: [
        {
          ExpirationInDays: 90,
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
          Status: 'Enabled',
        },
      ],
    });
    expect(bucket.DeletionPolicy).toBe('Retain');
    const [, policy] = resourcesOf(template, 'AWS::S3::BucketPolicy').find(
      ([, p]) => JSON.stringify(p.Properties['Bucket']) === JSON.stringify({ Ref: bucketId }),
    )!;
    const statements = (
      policy.Properties['PolicyDocument'] as { Statement: Record<string, unknown>[] }
    ).Statement;
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Action: 's3:*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
    // The two writers (the worker and the sweep), PutObject alone.
    const allows = statements.filter((s) => s['Effect'] === 'Allow');
    expect(allows).toHaveLength(1);
    expect(allows[0]!['Action']).toBe('s3:PutObject');
    const principals = JSON.stringify(allows[0]!['Principal']);
    expect(principals).toMatch(/EnrichmentFunctionRole/);
    expect(principals).toMatch(/EnrichmentReconcileFunctionRole/);
    expect(principals.match(/Role[0-9A-F]{8}/g)).toHaveLength(2);
  });

  it('writes results under the stack key when it has one', () => {
    const keyed = resourcesOf(synthStack({ kmsKey: true }), 'AWS::S3::Bucket').find(([id]) =>
      id.startsWith('EnrichmentResults'),
    )!;
    expect(JSON.stringify(keyed[1].Properties['BucketEncryption'])).toContain(
      '"SSEAlgorithm":"aws:kms"',
    );
  });

  it('sends every IDWise event from the bus to its own queue: each may open or close a subject', () => {
    const rules = resourcesOf(template, 'AWS::Events::Rule').filter(([id]) =>
      id.startsWith('Enrichmentidwise'),
    );
    expect(rules).toHaveLength(1);
    const [, rule] = rules[0]!;
    expect(rule.Properties['EventPattern']).toEqual({ source: ['kyc.idwise'] });
    expect(JSON.stringify(rule.Properties['Targets'])).toMatch(/EnrichmentQueue/);
    expect(JSON.stringify(rule.Properties['EventBusName'])).toMatch(/EventBus/);
  });

  it('drains its queue a few records at a time, at most two instances at once, retrying only failures', () => {
    const [, mapping] = resourcesOf(template, 'AWS::Lambda::EventSourceMapping').find(([id]) =>
      id.startsWith('EnrichmentFunction'),
    )!;
    expect(mapping.Properties).toMatchObject({
      BatchSize: 5,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 2 },
    });
    const queues = resourcesOf(template, 'AWS::SQS::Queue').filter(([id]) =>
      id.startsWith('EnrichmentQueue'),
    );
    expect(queues).toHaveLength(2);
    const main = queues.find(([, q]) => q.Properties['RedrivePolicy'] !== undefined)!;
    const timeout = enrichmentFunction![1].Properties['Timeout'] as number;
    expect(main[1].Properties['VisibilityTimeout']).toBeGreaterThanOrEqual(6 * timeout);
  });

  it('gives the function time for a full batch of records that each wait out one slow call', () => {
    // 5 records × (10 s for an API call or a round of links + 5 s for the reads and writes).
    expect(enrichmentFunction![1].Properties['Timeout']).toBe(75);
  });

  it('sweeps hourly, and keeps open subjects in a table of their own, encrypted, with a TTL', () => {
    const [, schedule] = resourcesOf(template, 'AWS::Events::Rule').find(([id]) =>
      id.startsWith('EnrichmentReconcileSchedule'),
    )!;
    expect(schedule.Properties['ScheduleExpression']).toBe('rate(1 hour)');
    expect(JSON.stringify(schedule.Properties['Targets'])).toMatch(/EnrichmentReconcile/);
    const [, table] = resourcesOf(template, 'AWS::DynamoDB::Table').find(([id]) =>
      id.startsWith('EnrichmentOpenSubjects'),
    )!;
    expect(table.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
    });
    // No index: the events table is the one that gets a new index this release.
    expect(table.Properties['GlobalSecondaryIndexes']).toBeUndefined();
  });

  it("alarms on its dead letters, to where the pipeline's alarms go", () => {
    const find = (t: typeof template) =>
      resourcesOf(t, 'AWS::CloudWatch::Alarm').find(([id]) =>
        id.startsWith('EnrichmentDeadLetters'),
      )?.[1];
    const alarm = find(template);
    expect(alarm?.Properties).toMatchObject({
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    expect(JSON.stringify(alarm?.Properties['Dimensions'])).toMatch(
      /EnrichmentQueueDeadLetterQueue/,
    );
    const paged = find(synthStack({ alarmEmail: 'kyc-ops@example.com' }));
    expect(JSON.stringify(paged?.Properties['AlarmActions'])).toMatch(/AlarmsTopic/);
  });

  it("lets the worker alone read Truuth's stored bodies: GetItem on its event items and the body chunks", () => {
    const functionId = (t: typeof template, service: string) =>
      resourcesOf(t, 'AWS::Lambda::Function').find(
        ([, fn]) => environmentOf(fn)['POWERTOOLS_SERVICE_NAME'] === service,
      )![0];
    const reads = (t: typeof template, service: string) =>
      statementsOf(t, functionId(t, service)).filter((s) =>
        JSON.stringify(s.Action).includes('dynamodb:GetItem'),
      );
    expect(reads(template, 'kyc-enrichment')).toEqual([
      {
        Effect: 'Allow',
        Action: 'dynamodb:GetItem',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^EventStoreTable/), 'Arn'] },
        Condition: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['truuth:*', 'BODY#*'] },
        },
      },
    ]);
    expect(reads(template, 'kyc-reconcile')).toEqual([]);
    // Without Truuth, nothing reads the event table.
    const noTruuth = synthStack({ vendors: ['idwise', 'bronid'] });
    expect(reads(noTruuth, 'kyc-enrichment')).toEqual([]);
  });

  it("decrypts with the table's customer key only when it has one", () => {
    const keyed = synthStack({ kmsKey: true });
    const [id] = resourcesOf(keyed, 'AWS::Lambda::Function').find(
      ([, fn]) => environmentOf(fn)['POWERTOOLS_SERVICE_NAME'] === 'kyc-enrichment',
    )!;
    const decrypts = statementsOf(keyed, id).filter((s) =>
      JSON.stringify(s.Action).includes('kms:Decrypt'),
    );
    expect(decrypts.length).toBeGreaterThan(0);
    const plain = statementsOf(template, enrichmentFunction![0]);
    expect(JSON.stringify(plain)).not.toContain('kms:');
  });

  it('is left out when no enabled vendor has an API', () => {
    const treezorOnly = synthStack({ vendors: ['treezor'] });
    expect(
      resourcesOf(treezorOnly, 'AWS::S3::Bucket').filter(([id]) => id.startsWith('Enrichment')),
    ).toEqual([]);
  });
});
