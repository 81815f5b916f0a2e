import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseBaseCredentials } from '../../lambdas/core/credentials.js';
import { BUILT_IN_VENDORS } from '../../lambdas/vendors/registry.js';
import { CloudFormationOutputSource } from '../../cli/stack-outputs.js';
import { cli } from './cli-support.js';

const secretsManager = mockClient(SecretsManagerClient);
let tempDir: string;

beforeAll(() => {
  tempDir = mkdtempSync(join(tmpdir(), 'kyc-cli-secrets-'));
});

afterEach(() => {
  secretsManager.reset();
});

afterAll(() => {
  secretsManager.restore();
  rmSync(tempDir, { recursive: true, force: true });
});

/** Replaces every `<placeholder>` with a value long enough for any vendor's rules. */
function fill(skeleton: string, seed: string): string {
  let n = 0;
  return skeleton.replace(
    /<[^<>]+>/g,
    () => `${seed}-value-${(n += 1)}-0123456789abcdef0123456789`,
  );
}

function write(name: string, text: string): string {
  const file = join(tempDir, name);
  writeFileSync(file, text);
  return file;
}

// Skeletons are derived from config/local-secrets.json, which only the shipped vendors have.
describe.each(BUILT_IN_VENDORS.map((vendor) => ({ id: vendor.id, vendor })))(
  'secrets $id',
  ({ id, vendor }) => {
    it('prints a skeleton that the vendor parser accepts once filled', async () => {
      const run = await cli(['secrets', id], {});
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/<[^<>]+>/);
      const filled = JSON.parse(fill(run.stdout, id)) as Record<string, unknown>;
      expect(() => vendor.parseCredentials(filled, parseBaseCredentials(filled, id))).not.toThrow();

      const check = await cli(
        ['secrets', id, '--check', '--file', write(`${id}.json`, fill(run.stdout, id))],
        {},
      );
      expect(check.code, check.stderr).toBe(0);
      expect(check.stdout).toContain(`The ${id} secret is valid`);
      expect(check.stderr).not.toContain('warning');
    });

    it('refuses the skeleton itself', async () => {
      const skeleton = (await cli(['secrets', id], {})).stdout;
      const check = await cli(['secrets', id, '--check'], {}, skeleton);
      expect(check.code).toBe(1);
      expect(check.stderr).toContain('still holds a <placeholder>');
    });
  },
);

describe('secrets --check and --write', () => {
  const treezor = JSON.stringify({ webhookSecrets: ['s3cr3t-value-never-shown'] });

  it.each([
    [
      'names the bad field, never a value',
      'ondato',
      { authorization: ['Bearer s3cr3t'] },
      '"authorization" values must be "Basic <token>"',
    ],
    [
      'refuses a misspelt key, naming it and the key it most likely meant',
      'treezor',
      { webhookSecret: ['s3cr3t-value-never-shown'] },
      'unknown key "webhookSecret"; did you mean "webhookSecrets"?',
    ],
    [
      'refuses an unknown key, listing the expected ones',
      'idwise',
      { nonsense: 1 },
      'unknown key "nonsense" (expected only',
    ],
  ])('%s', async (_name, vendor, secret, message) => {
    const run = await cli(['secrets', vendor, '--check'], {}, JSON.stringify(secret));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(message);
    expect(run.stderr).not.toContain('s3cr3t');
  });

  it('accepts an empty secret, warning that every delivery will be refused', async () => {
    const empty = await cli(['secrets', 'treezor', '--check'], {}, '{}');
    expect(empty.code).toBe(0);
    expect(empty.stderr).toContain('treezor will refuse every delivery');
  });

  it('stores a valid secret under --secret-id without printing it', async () => {
    secretsManager.on(PutSecretValueCommand).resolves({ VersionId: 'v-2' });
    const arn = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:treezor-AbCdEf';
    const run = await cli(
      ['secrets', 'treezor', '--write', '--secret-id', arn, '--region', 'eu-west-1'],
      {},
      treezor,
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`Stored the treezor secret in ${arn} (version v-2)`);
    expect(run.stdout).toContain('webhookSecrets: 1 value');
    expect(run.stdout + run.stderr).not.toContain('s3cr3t');
    expect(secretsManager.commandCalls(PutSecretValueCommand)[0]?.args[0].input).toEqual({
      SecretId: arn,
      SecretString: treezor,
    });
  });

  it("takes the secret's ARN from the stack outputs file", async () => {
    secretsManager.on(PutSecretValueCommand).resolves({ VersionId: 'v-3' });
    const arn = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:treezor-XyZ';
    const outputs = write(
      'cdk-outputs.json',
      JSON.stringify({ KycWebhooks: stackOutputs({ TreezorSecretArn: arn }) }),
    );
    const file = write('treezor.json', treezor);
    const run = await cli(
      ['secrets', 'treezor', '--write', '--file', file, '--outputs', outputs],
      {},
    );
    expect(run.code, run.stderr).toBe(0);
    expect(secretsManager.commandCalls(PutSecretValueCommand)[0]?.args[0].input.SecretId).toBe(arn);
  });

  it('does not write a secret that fails validation, nor in local mode', async () => {
    const bad = await cli(
      ['secrets', 'treezor', '--write', '--secret-id', 'x'],
      {},
      '{"webhookSecrets": "one"}',
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('"webhookSecrets" must be a list of non-empty strings');

    const local = await cli(['secrets', 'treezor', '--write'], {}, treezor);
    expect(local.code).toBe(1);
    expect(local.stderr).toContain('Local mode has no Secrets Manager');
    expect(secretsManager.commandCalls(PutSecretValueCommand)).toHaveLength(0);
  });
});

describe('stack outputs', () => {
  it('says how to get the outputs file, and which output is missing', async () => {
    const missing = await cli(
      ['history', 'treezor', '1', '--outputs', join(tempDir, 'none.json')],
      {},
    );
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('npx cdk deploy --outputs-file');

    const partial = write(
      'partial.json',
      JSON.stringify({ KycWebhooks: { ApiUrl: 'https://x/' } }),
    );
    const run = await cli(['redrive', '--outputs', partial], {});
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Stack KycWebhooks has no output DeadLetterQueueUrl');

    const other = await cli(['redrive', '--outputs', partial, '--stack', 'Other'], {});
    expect(other.stderr).toContain('has no outputs for stack Other; it has KycWebhooks');
  });

  it('reads outputs from CloudFormation when given only a stack name', async () => {
    const cloudFormation = mockClient(CloudFormationClient);
    cloudFormation.on(DescribeStacksCommand, { StackName: 'KycWebhooks' }).resolves({
      Stacks: [
        {
          StackName: 'KycWebhooks',
          CreationTime: new Date(0),
          StackStatus: 'CREATE_COMPLETE',
          Outputs: [{ OutputKey: 'DeadLetterQueueUrl', OutputValue: 'https://sqs/dlq' }],
        },
      ],
    });
    try {
      const outputs = await new CloudFormationOutputSource({ region: 'eu-west-1' }).read(
        'KycWebhooks',
      );
      expect(outputs).toEqual({ DeadLetterQueueUrl: 'https://sqs/dlq' });
    } finally {
      cloudFormation.restore();
    }
  });
});

function stackOutputs(extra: Record<string, string>): Record<string, string> {
  return {
    ApiUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com/',
    TableName: 'KycWebhooks-EventStoreTable',
    EventBusName: 'kyc-webhooks',
    EventBusArn: 'arn:aws:events:eu-west-1:111122223333:event-bus/kyc-webhooks',
    DeadLetterQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/111122223333/dlq',
    DeadLetterQueueArn: 'arn:aws:sqs:eu-west-1:111122223333:dlq',
    ...extra,
  };
}
