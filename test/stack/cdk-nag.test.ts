import { Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { VENDORS } from '../../lambdas/vendors/registry.js';
import { buildStack } from './synth-stack.js';

interface Acknowledgement {
  readonly path: string;
  readonly id: string;
  readonly reason: string;
}

const KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

const EVERY_OPTION = {
  kmsKey: true,
  tracing: true,
  alarmEmail: 'kyc-ops@example.com',
  alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:kyc-paging',
  customDomain: {
    domainName: 'webhooks.example.com',
    certificateArn:
      'arn:aws:acm:eu-west-1:123456789012:certificate/1234abcd-12ab-34cd-56ef-1234567890ab',
  },
  ingestReservedConcurrency: 20,
  keepRefusedBodies: { days: 7 },
  // A stage inheriting the base block's custom domain would be refused.
  stages: {},
};

/** Synthesizes with the AWS Solutions pack registered as bin/app.ts registers it. */
function synthWithNag(overrides: Readonly<Record<string, unknown>> = {}, stage?: string) {
  const { app, stack } = buildStack(overrides, stage === undefined ? {} : { stage });
  const pack = new AwsSolutionsChecks(app);
  Validations.of(app).addPlugins(pack);
  // Fails the synth, with the report, on any finding that is neither fixed nor acknowledged.
  app.synth();
  return { app, stack, pack };
}

/** Every acknowledgement recorded with `Validations.of(x).acknowledge`, where it was made. */
function acknowledgementsIn(root: IConstruct): Acknowledgement[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: construct.node.path,
          id,
          reason,
        })),
      ),
  );
}

const ruleOf = (id: string) => /AwsSolutions-[A-Z]+\d+/.exec(id)?.[0];

describe('cdk-nag AwsSolutions checks', () => {
  const { app, stack } = synthWithNag();
  const acknowledgements = acknowledgementsIn(app);

  it.each([
    ['the default configuration', {}, undefined],
    ['an alarm e-mail', { alarmEmail: 'kyc-ops@example.com' }, undefined],
    ['one vendor without the token endpoint', { vendors: ['treezor'] }, undefined],
    ['the staging stage', {}, 'staging'],
    ['every option on, with a key created in the stack', EVERY_OPTION, undefined],
    ['a key given by ARN', { kmsKey: KEY_ARN }, undefined],
    ['refused bodies kept under S3-managed keys', { keepRefusedBodies: { days: 3 } }, undefined],
  ])('leave no finding unfixed and unacknowledged with %s', (_name, overrides, stage) => {
    const checked = synthWithNag(overrides, stage);
    expect(checked.pack.validateScope(checked.app).violations).toEqual([]);
  });

  it('fail the synth on a new finding nobody fixed or acknowledged', () => {
    const { app: bare, stack: withQueue } = buildStack();
    new Queue(withQueue, 'QueueWithoutTls');
    Validations.of(bare).addPlugins(new AwsSolutionsChecks(bare));
    expect(() => bare.synth()).toThrow(/AwsSolutions-SQS4/);
  });

  it('acknowledge only rules that cannot be fixed, each with its own reason', () => {
    const rules = new Set(acknowledgements.map((ack) => ruleOf(ack.id)));
    expect([...rules].sort()).toEqual([
      'AwsSolutions-APIG4',
      'AwsSolutions-S1',
      'AwsSolutions-SMG4',
    ]);
    for (const ack of acknowledgements) expect(ack.reason.length, ack.id).toBeGreaterThan(80);
  });

  it('acknowledge on the resources concerned, never on the stack or the app', () => {
    for (const ack of acknowledgements) {
      expect([app.node.path, stack.node.path]).not.toContain(ack.path);
    }
  });

  it('acknowledge missing API authorization on each route: vendors authenticate in the function', () => {
    const routes = acknowledgementsIn(app).filter((ack) => ruleOf(ack.id) === 'AwsSolutions-APIG4');
    const expected = VENDORS.flatMap((vendor) => vendor.routes).length + 1;
    expect(routes).toHaveLength(expected);
    for (const ack of routes) expect(ack.path).toMatch(/^KycWebhooks\/(IngestApi|OndatoToken)\//);
  });

  it('acknowledge unrotated secrets per vendor secret: the vendor issues those values', () => {
    const secrets = acknowledgements.filter((ack) => ruleOf(ack.id) === 'AwsSolutions-SMG4');
    expect(secrets.map((ack) => ack.path).sort()).toEqual(
      VENDORS.map((vendor) => `KycWebhooks/IngestApi/${vendor.id}/Secret`).sort(),
    );
  });

  it('acknowledge no IAM wildcard by default: every grant names its resource', () => {
    expect(acknowledgements.filter((ack) => ruleOf(ack.id) === 'AwsSolutions-IAM5')).toEqual([]);
  });

  it('acknowledge with tracing only X-Ray’s "*", on each function’s role and nothing else', () => {
    const traced = acknowledgementsIn(synthWithNag({ tracing: true }).app).filter(
      (ack) => ruleOf(ack.id) === 'AwsSolutions-IAM5',
    );
    expect(traced).toHaveLength(VENDORS.length + 4);
    for (const ack of traced) {
      // CDK files an id without a `prefix::` under `Annotation::`; cdk-nag matches either.
      expect(ack.id).toMatch(/(^|::)AwsSolutions-IAM5\[Resource::\*\]$/);
      expect(ack.path).toMatch(/^KycWebhooks\/.*FunctionRole$/);
      expect(ack.reason).toMatch(/X-Ray/);
    }
  });

  it('need no managed policy: each function may write its own log group only', () => {
    const template = Template.fromStack(stack);
    expect(JSON.stringify(template.findResources('AWS::IAM::Role'))).not.toContain(
      'AWSLambdaBasicExecutionRole',
    );
    const roles = Object.values(
      template.findResources('AWS::IAM::Role') as Record<
        string,
        { Properties: { Policies?: { PolicyDocument: { Statement: unknown[] } }[] } }
      >,
    );
    expect(roles.length).toBe(VENDORS.length + 4);
    for (const role of roles) {
      expect(role.Properties.Policies?.[0]?.PolicyDocument.Statement).toEqual([
        {
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: { 'Fn::GetAtt': [expect.stringMatching(/Logs[0-9A-F]{8}$/), 'Arn'] },
        },
      ]);
    }
  });
});
