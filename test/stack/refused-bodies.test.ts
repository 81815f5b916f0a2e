import { Match, type Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ENV } from '../../lambdas/runtime/env.js';
import { VENDORS } from '../../lambdas/vendors/registry.js';
import { OUTPUTS } from '../../lib/outputs.js';
import {
  actionsOf,
  environmentOf,
  resourcesOf,
  statementsOf,
  synthStack,
  type CfnResource,
} from './synth-stack.js';

/**
 * Issue 10, refused bodies: off by default; switched on, a private, TLS-only, encrypted bucket
 * whose objects expire after the configured days, which each ingest function may only put into
 * under its own vendor's prefix, and which nothing else in the stack may touch.
 */

const BUCKET_ENV = ENV.refusedBodiesBucket;

/** The bucket ingest is told to keep refused bodies in: the one its environment names. */
function refusedBodyBucket(template: Template): [string, CfnResource] {
  const [, fn] = ingestFunctions(template)[0] ?? [];
  const ref = fn && (environmentOf(fn)[BUCKET_ENV] as { Ref?: string } | undefined);
  const bucket = resourcesOf(template, 'AWS::S3::Bucket').find(([id]) => id === ref?.Ref);
  if (!bucket) throw new Error(`no bucket named by ${BUCKET_ENV}`);
  return bucket;
}

function ingestFunctions(template: Template): [string, CfnResource][] {
  return resourcesOf(template, 'AWS::Lambda::Function').filter(
    ([, fn]) => environmentOf(fn)[ENV.vendor] !== undefined,
  );
}

describe('refused bodies, by default', () => {
  const template = synthStack();

  it('are not kept: no function is told of a bucket, and no output names one', () => {
    for (const [, fn] of resourcesOf(template, 'AWS::Lambda::Function')) {
      expect(environmentOf(fn)[BUCKET_ENV]).toBeUndefined();
    }
    expect(template.toJSON()['Outputs'][OUTPUTS.refusedBodiesBucket]).toBeUndefined();
  });

  it('leave ingest no S3 permission', () => {
    for (const [id] of ingestFunctions(template)) {
      const s3 = statementsOf(template, id)
        .flatMap(actionsOf)
        .filter((a) => a.startsWith('s3:'));
      expect(s3, id).toEqual([]);
    }
  });
});

describe('refused bodies kept for 3 days', () => {
  const template = synthStack({ keepRefusedBodies: { days: 3 } });
  const [bucketId, bucket] = refusedBodyBucket(template);

  it('go to a bucket encrypted with S3-managed keys, private, expiring them after 3 days', () => {
    expect(bucket.Properties).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
        ],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LifecycleConfiguration: {
        Rules: [expect.objectContaining({ ExpirationInDays: 3, Status: 'Enabled' })],
      },
    });
  });

  it('refuse any request without TLS', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('may be put by each ingest function under its own vendor only, and nothing else', () => {
    const functions = ingestFunctions(template);
    expect(functions).toHaveLength(VENDORS.length);
    for (const [id, fn] of functions) {
      const vendor = environmentOf(fn)[ENV.vendor] as string;
      const onBucket = statementsOf(template, id).filter((statement) =>
        JSON.stringify(statement.Resource).includes(`"${bucketId}"`),
      );
      expect(onBucket, vendor).toEqual([
        {
          Effect: 'Allow',
          Action: 's3:PutObject',
          Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, `/${vendor}/*`]] },
        },
      ]);
    }
  });

  it('cannot be touched by any other function', () => {
    const ingest = new Set(ingestFunctions(template).map(([id]) => id));
    for (const [id] of resourcesOf(template, 'AWS::Lambda::Function')) {
      if (ingest.has(id)) continue;
      const touches = statementsOf(template, id).filter((statement) =>
        JSON.stringify(statement.Resource).includes(`"${bucketId}"`),
      );
      expect(touches, id).toEqual([]);
    }
  });

  it('are named in an output, beside the ingest log groups the CLI queries', () => {
    const outputs = template.toJSON()['Outputs'] as Record<string, { Value: unknown }>;
    expect(outputs[OUTPUTS.refusedBodiesBucket]?.Value).toEqual({ Ref: bucketId });
    const logGroups = resourcesOf(template, 'AWS::Lambda::Function')
      .filter(([id]) => ingestFunctions(template).some(([ingestId]) => ingestId === id))
      .map(([, fn]) => (fn.Properties['LoggingConfig'] as { LogGroup: unknown }).LogGroup);
    expect(outputs[OUTPUTS.ingestLogGroups]?.Value).toEqual({ 'Fn::Join': [',', logGroups] });
  });

  it('outlive the stack like the table, emptying themselves', () => {
    const raw = template.toJSON()['Resources'][bucketId] as CfnResource;
    expect(raw.DeletionPolicy).toBe('Retain');
  });
});

describe('refused bodies with the stack’s KMS key', () => {
  const template = synthStack({ keepRefusedBodies: { days: 1 }, kmsKey: true });
  const [, bucket] = refusedBodyBucket(template);
  const [keyId] = resourcesOf(template, 'AWS::KMS::Key')[0] ?? [];

  it('are encrypted under that key', () => {
    expect(bucket.Properties['BucketEncryption']).toEqual({
      ServerSideEncryptionConfiguration: [
        {
          BucketKeyEnabled: true,
          ServerSideEncryptionByDefault: {
            SSEAlgorithm: 'aws:kms',
            KMSMasterKeyID: { 'Fn::GetAtt': [keyId, 'Arn'] },
          },
        },
      ],
    });
  });

  it('give ingest GenerateDataKey on it, beside what the queue needs, and no Encrypt', () => {
    for (const [id] of ingestFunctions(template)) {
      const onKey = statementsOf(template, id)
        .filter((statement) => JSON.stringify(statement.Resource).includes(`"${keyId}"`))
        .flatMap(actionsOf);
      expect(new Set(onKey)).toEqual(new Set(['kms:Decrypt', 'kms:GenerateDataKey']));
    }
  });
});

describe('the keepRefusedBodies setting', () => {
  it.each([
    [{ days: 0 }],
    [{ days: 8 }],
    [{ days: 2.5 }],
    [{ days: '3' }],
    [{ days: 3, bucket: 'mine' }],
    [true],
    [3],
  ])('refuses %j, saying what it expects', (value) => {
    expect(() => synthStack({ keepRefusedBodies: value })).toThrow(/keepRefusedBodies/);
  });

  it('takes null as off', () => {
    const template = synthStack({ keepRefusedBodies: null });
    expect(template.toJSON()['Outputs'][OUTPUTS.refusedBodiesBucket]).toBeUndefined();
  });
});
