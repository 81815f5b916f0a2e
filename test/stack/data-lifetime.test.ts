import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { resourcesOf, synthStack } from './synth-stack.js';
import type { CfnResource } from './synth-stack.js';

const KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

function only(template: Template, type: string, idPrefix = ''): CfnResource {
  const found = resourcesOf(template, type).filter(([id]) => id.startsWith(idPrefix));
  expect(found, `${type} ${idPrefix}`).toHaveLength(1);
  return found[0]![1];
}

describe('data lifetime', () => {
  const template = synthStack();

  it('keeps every resource that holds data when the stack is deleted', () => {
    for (const type of [
      'AWS::DynamoDB::Table',
      'AWS::SQS::Queue',
      'AWS::Events::EventBus',
      'AWS::Events::Archive',
      'AWS::SecretsManager::Secret',
      'AWS::Logs::LogGroup',
    ]) {
      const resources = resourcesOf(template, type);
      expect(resources.length, type).toBeGreaterThan(0);
      for (const [id, resource] of resources) {
        expect(resource.DeletionPolicy, id).toBe('Retain');
        expect(resource.UpdateReplacePolicy, id).toBe('Retain');
      }
    }
  });

  it('protects the table from deletion', () => {
    expect(
      only(template, 'AWS::DynamoDB::Table', 'EventStore').Properties['DeletionProtectionEnabled'],
    ).toBe(true);
  });

  it('archives events exactly as long as the table keeps them, unless set apart', () => {
    expect(only(template, 'AWS::Events::Archive').Properties['RetentionDays']).toBe(90);
    for (const days of [7, 400]) {
      expect(
        only(synthStack({ retentionDays: days }), 'AWS::Events::Archive').Properties[
          'RetentionDays'
        ],
      ).toBe(days);
    }
  });

  it('writes no empty KmsKeyIdentifier on the archive (aws/aws-cdk#37847)', () => {
    expect(only(template, 'AWS::Events::Archive').Properties).not.toHaveProperty(
      'KmsKeyIdentifier',
    );
    expect(JSON.stringify(template.toJSON())).not.toContain('"KmsKeyIdentifier":""');
  });
});

describe('a customer-managed key', () => {
  describe('created in the stack (kmsKey: true)', () => {
    const template = synthStack({ kmsKey: true });
    const keyArn = { 'Fn::GetAtt': [expect.stringMatching(/^EncryptionKey/), 'Arn'] };

    it('rotates, and is kept with the data it encrypts', () => {
      const key = only(template, 'AWS::KMS::Key');
      expect(key.Properties['EnableKeyRotation']).toBe(true);
      expect(key.DeletionPolicy).toBe('Retain');
    });

    it('encrypts the table, both queues, the bus and the archive', () => {
      expect(
        only(template, 'AWS::DynamoDB::Table', 'EventStore').Properties['SSESpecification'],
      ).toEqual({
        SSEEnabled: true,
        SSEType: 'KMS',
        KMSMasterKeyId: keyArn,
      });
      // The ingest queues; enrichment's hold only published events, under SQS-managed keys.
      const queues = resourcesOf(template, 'AWS::SQS::Queue').filter(([id]) =>
        id.startsWith('IngestQueue'),
      );
      expect(queues).toHaveLength(2);
      for (const [id, queue] of queues) {
        expect(queue.Properties['KmsMasterKeyId'], id).toEqual(keyArn);
        expect(queue.Properties, id).not.toHaveProperty('SqsManagedSseEnabled');
      }
      expect(only(template, 'AWS::Events::EventBus').Properties['KmsKeyIdentifier']).toEqual(
        keyArn,
      );
      expect(only(template, 'AWS::Events::Archive').Properties['KmsKeyIdentifier']).toEqual(keyArn);
    });

    it('lets EventBridge use it for this bus’s archive, named without a reference cycle', () => {
      const policy = JSON.stringify(only(template, 'AWS::KMS::Key').Properties['KeyPolicy']);
      expect(policy).toContain('"Sid":"Allow EventBridge to use kms operations"');
      expect(policy).toContain(
        '"kms:EncryptionContext:aws:events:event-bus:arn":"arn:aws:events:eu-west-1:123456789012:event-bus/kyc-webhooks"',
      );
      // The key must not refer to the bus, which refers to the key.
      expect(policy).not.toMatch(/EventBus[0-9A-F]{8}/);
    });
  });

  describe('given by ARN', () => {
    const template = synthStack({ kmsKey: KEY_ARN });

    it('is used as it is, never created', () => {
      template.resourceCountIs('AWS::KMS::Key', 0);
      expect(
        only(template, 'AWS::DynamoDB::Table', 'EventStore').Properties['SSESpecification'],
      ).toMatchObject({
        KMSMasterKeyId: KEY_ARN,
      });
      for (const [id, queue] of resourcesOf(template, 'AWS::SQS::Queue')) {
        if (!id.startsWith('IngestQueue')) continue;
        expect(queue.Properties['KmsMasterKeyId']).toBe(KEY_ARN);
      }
      expect(only(template, 'AWS::Events::EventBus').Properties['KmsKeyIdentifier']).toBe(KEY_ARN);
      expect(only(template, 'AWS::Events::Archive').Properties['KmsKeyIdentifier']).toBe(KEY_ARN);
    });
  });
});
