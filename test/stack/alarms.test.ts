import { App, Stack } from 'aws-cdk-lib';
import { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { AUTHENTICATION_FAILURE_REASONS } from '../../lambdas/runtime/metrics.js';
import { VENDORS } from '../../lambdas/vendors/registry.js';
import { Alarms, type AlarmsProps } from '../../lib/constructs/alarms.js';
import { resourcesOf, synthStack } from './synth-stack.js';
import type { CfnResource } from './synth-stack.js';

interface MetricDataQuery {
  readonly Id: string;
  readonly Expression?: string;
  readonly ReturnData?: boolean;
  readonly MetricStat?: {
    readonly Metric: {
      readonly Namespace: string;
      readonly MetricName: string;
      readonly Dimensions: readonly { readonly Name: string; readonly Value: unknown }[];
    };
    readonly Period: number;
    readonly Stat: string;
  };
}

const queriesOf = (alarm: CfnResource) => alarm.Properties['Metrics'] as MetricDataQuery[];
const dimensionsOf = (query: MetricDataQuery) =>
  Object.fromEntries(query.MetricStat!.Metric.Dimensions.map((d) => [d.Name, d.Value]));

/** Alarms alone in a stack, for props the deployment configuration does not expose. */
function alarmsAlone(props: Partial<AlarmsProps> = {}): Template {
  const stack = new Stack(new App(), 'AlarmsOnly');
  const api = new HttpApi(stack, 'Api');
  new Alarms(stack, 'Alarms', {
    queue: new Queue(stack, 'Queue'),
    deadLetterQueue: new Queue(stack, 'Dlq'),
    stage: api.defaultStage!,
    processor: new LambdaFunction(stack, 'Processor', {
      runtime: Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: Code.fromInline('export const handler = () => {};'),
    }),
    vendors: ['treezor'],
    ...props,
  });
  return Template.fromStack(stack);
}

describe('alarms', () => {
  const template = synthStack();

  it('fire as soon as one message is in the DLQ', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: {
            'Fn::GetAtt': [Match.stringLikeRegexp('^IngestQueueDeadLetterQueue'), 'QueueName'],
          },
        },
      ],
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
      TreatMissingData: 'notBreaching',
    });
  });

  it('fire when the oldest queued message is older than five minutes', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^IngestQueue[0-9A-F]'), 'QueueName'] },
        },
      ],
      Threshold: 300,
    });
  });

  it('fire when the API answers 5xx on its stage', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/ApiGateway',
      MetricName: '5xx',
      Dimensions: [
        { Name: 'ApiId', Value: { Ref: Match.stringLikeRegexp('^IngestApi') } },
        { Name: 'Stage', Value: '$default' },
      ],
      Statistic: 'Sum',
      Threshold: 0,
    });
  });

  describe('authentication failures', () => {
    const authAlarms = resourcesOf(template, 'AWS::CloudWatch::Alarm').filter(([id]) =>
      id.includes('AuthenticationFailures'),
    );

    it('fire per vendor, at 10 refusals in five minutes by default', () => {
      expect(authAlarms).toHaveLength(VENDORS.length);
      for (const [, alarm] of authAlarms) {
        expect(alarm.Properties).toMatchObject({
          Threshold: 10,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          EvaluationPeriods: 1,
          TreatMissingData: 'notBreaching',
        });
      }
    });

    it.each(VENDORS.map((vendor) => [vendor.id]))(
      'sum the %s Deliveries refused for each authentication reason',
      (vendorId) => {
        const alarm = authAlarms.find(([id]) => id.startsWith(`Alarms${vendorId}Authentication`));
        const queries = queriesOf(alarm![1]);
        const [expression, ...metrics] = queries;
        expect(expression?.Expression).toBe(
          `SUM([${metrics.map((metric) => metric.Id).join(', ')}])`,
        );
        expect(expression?.ReturnData).toBe(true);
        expect(metrics.map((metric) => metric.MetricStat?.Metric.MetricName)).toEqual(
          AUTHENTICATION_FAILURE_REASONS.map(() => 'Deliveries'),
        );
        expect(metrics.map(dimensionsOf)).toEqual(
          AUTHENTICATION_FAILURE_REASONS.map((reason) => ({
            vendor: vendorId,
            outcome: 'refused',
            reason,
          })),
        );
        for (const metric of metrics) {
          expect(metric.MetricStat).toMatchObject({
            Metric: { Namespace: 'KycWebhooks' },
            Period: 300,
            Stat: 'Sum',
          });
          expect(metric.ReturnData).toBe(false);
        }
      },
    );

    it('take the threshold as a prop, and refuse one that is not a positive integer', () => {
      alarmsAlone({ authFailureThreshold: 3 }).hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmDescription: Match.stringLikeRegexp('^treezor deliveries are being refused'),
        Threshold: 3,
      });
      expect(() => alarmsAlone({ authFailureThreshold: 0 })).toThrow(/positive integer/);
      expect(() => alarmsAlone({ authFailureThreshold: 2.5 })).toThrow(/positive integer/);
    });
  });

  it.each([
    ['Errors', 'ProcessorErrors'],
    ['Throttles', 'ProcessorThrottles'],
  ])('fire on any processor %s in five minutes', (metricName, idPrefix) => {
    const [[, alarm]] = resourcesOf(template, 'AWS::CloudWatch::Alarm').filter(([id]) =>
      id.startsWith(`Alarms${idPrefix}`),
    ) as [[string, CfnResource]];
    expect(alarm.Properties).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: metricName,
      Dimensions: [
        { Name: 'FunctionName', Value: { Ref: expect.stringMatching(/^ProcessorFunction/) } },
      ],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it('fire when EventBridge refused events in two five-minute periods running, over all vendors', () => {
    const [[, alarm]] = resourcesOf(template, 'AWS::CloudWatch::Alarm').filter(([id]) =>
      id.startsWith('AlarmsPublishFailures'),
    ) as [[string, CfnResource]];
    expect(alarm.Properties).toMatchObject({
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
    });
    const [expression, ...metrics] = queriesOf(alarm);
    expect(expression?.Expression).toMatch(/^SUM\(\[/);
    expect(metrics.map((metric) => metric.MetricStat?.Metric.MetricName)).toEqual(
      VENDORS.map(() => 'PublishFailures'),
    );
    expect(metrics.map(dimensionsOf)).toEqual(VENDORS.map((vendor) => ({ vendor: vendor.id })));
  });

  it('cover only the deployed vendors', () => {
    const reduced = resourcesOf(synthStack({ vendors: ['treezor'] }), 'AWS::CloudWatch::Alarm');
    expect(reduced.filter(([id]) => id.includes('AuthenticationFailures'))).toHaveLength(1);
    expect(JSON.stringify(reduced)).not.toContain('"idwise"');
  });

  it('have no topic and no actions without an alarm e-mail', () => {
    template.resourceCountIs('AWS::SNS::Topic', 0);
    for (const [, alarm] of resourcesOf(template, 'AWS::CloudWatch::Alarm')) {
      expect(alarm.Properties['AlarmActions']).toBeUndefined();
    }
  });

  it('notify a TLS-only topic with an e-mail subscription when alarmEmail is set', () => {
    const withEmail = synthStack({ alarmEmail: 'kyc-ops@example.com' });
    withEmail.resourceCountIs('AWS::SNS::Topic', 1);
    withEmail.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'kyc-ops@example.com',
      TopicArn: { Ref: Match.stringLikeRegexp('^AlarmsTopic') },
    });
    withEmail.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
    const alarms = resourcesOf(withEmail, 'AWS::CloudWatch::Alarm');
    // DLQ, queue age, API 5xx, one per vendor, processor errors and throttles, publish failures.
    expect(alarms).toHaveLength(6 + VENDORS.length);
    for (const [, alarm] of alarms) {
      for (const actions of ['AlarmActions', 'OKActions']) {
        expect(alarm.Properties[actions]).toEqual([{ Ref: expect.stringMatching(/^AlarmsTopic/) }]);
      }
    }
  });
});
