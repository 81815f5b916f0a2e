import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { VENDORS } from '../../lambdas/vendors/registry.js';
import { Alarms, TOKEN_CLIENT_REFUSALS, type AlarmsProps } from '../../lib/constructs/alarms.js';
import { THROTTLED_REQUESTS_METRIC } from '../../lib/constructs/ingest-api.js';
import { resourcesOf, synthStack } from './synth-stack.js';
import type { CfnResource } from './synth-stack.js';

/** A vendor id as CloudFormation writes it into logical ids: letters and digits only. */
/** As CloudFormation states an alarm on any count in one period. */
const ANY_IN_ONE_PERIOD = {
  Threshold: 0,
  ComparisonOperator: 'GreaterThanThreshold',
  EvaluationPeriods: 1,
  TreatMissingData: 'notBreaching',
};
/** As CloudFormation states an alarm on a count reached in one period. */
const REACHED_IN_ONE_PERIOD = {
  ...ANY_IN_ONE_PERIOD,
  ComparisonOperator: 'GreaterThanOrEqualToThreshold',
};

const logicalIdOf = (vendorId: string): string => vendorId.replace(/[^A-Za-z0-9]/g, '');

interface MetricDataQuery {
  readonly Id: string;
  readonly Expression?: string;
  readonly ReturnData?: boolean;
  readonly MetricStat?: {
    readonly Metric: {
      readonly Namespace: string;
      readonly MetricName: string;
      readonly Dimensions?: readonly { readonly Name: string; readonly Value: unknown }[];
    };
    readonly Period: number;
    readonly Stat: string;
  };
}

const queriesOf = (alarm: CfnResource) => alarm.Properties['Metrics'] as MetricDataQuery[];
const dimensionsOf = (query: MetricDataQuery) =>
  Object.fromEntries((query.MetricStat!.Metric.Dimensions ?? []).map((d) => [d.Name, d.Value]));

/** Alarms alone in a stack, for props the deployment configuration does not expose. */
function alarmsAlone(props: Partial<AlarmsProps> = {}): Template {
  const stack = new Stack(new App(), 'AlarmsOnly');
  const inlineFunction = (id: string) =>
    new LambdaFunction(stack, id, {
      runtime: Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: Code.fromInline('export const handler = () => {};'),
    });
  new Alarms(stack, 'Alarms', {
    queue: new Queue(stack, 'Queue'),
    deadLetterQueue: new Queue(stack, 'Dlq'),
    ingestFunctions: [inlineFunction('Ingest')],
    processor: inlineFunction('Processor'),
    vendors: ['treezor'],
    deadLettersExpireAfter: Duration.days(10),
    ...props,
  });
  return Template.fromStack(stack);
}

/** The one alarm whose logical id starts with `Alarms<idPrefix>`. */
function alarmOf(template: Template, idPrefix: string): CfnResource {
  const found = resourcesOf(template, 'AWS::CloudWatch::Alarm').filter(([id]) =>
    id.startsWith(`Alarms${idPrefix}`),
  );
  expect(found, idPrefix).toHaveLength(1);
  return found[0]![1];
}

/** An alarm's `SUM([...])` expression and the metrics it reads, checked to be exactly those. */
function summedMetrics(alarm: CfnResource): MetricDataQuery[] {
  const [expression, ...metrics] = queriesOf(alarm);
  expect(expression?.Expression).toBe(`SUM([${metrics.map((metric) => metric.Id).join(', ')}])`);
  expect(expression?.ReturnData).toBe(true);
  for (const metric of metrics) expect(metric.ReturnData).toBe(false);
  // CloudWatch refuses an alarm whose math reads more than 10 metrics.
  expect(metrics.length).toBeLessThanOrEqual(10);
  return metrics;
}

/** The one functions' metric an alarm reads, as CloudFormation states a plain alarm. */
function singleMetric(alarm: CfnResource): {
  readonly name: unknown;
  readonly dimensions: Record<string, unknown>;
} {
  const props = alarm.Properties;
  expect(props['Metrics']).toBeUndefined();
  expect(props).toMatchObject({ Namespace: 'KycWebhooks', Period: 300, Statistic: 'Sum' });
  const dimensions = (props['Dimensions'] ?? []) as { Name: string; Value: unknown }[];
  return {
    name: props['MetricName'],
    dimensions: Object.fromEntries(dimensions.map((d) => [d.Name, d.Value])),
  };
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

  it('never read the API stage’s 5xx: a 5xx is also a deliberate refusal (Treezor, Ondato)', () => {
    for (const [id, alarm] of resourcesOf(template, 'AWS::CloudWatch::Alarm')) {
      const text = JSON.stringify(alarm.Properties);
      expect(text, id).not.toContain('AWS/ApiGateway');
      expect(text, id).not.toMatch(/"(5xx|5XXError)"/);
    }
  });

  describe('deliveries not queued', () => {
    const alarm = alarmOf(template, 'DeliveriesNotQueued');

    it('fire on any delivery ingest failed in five minutes', () => {
      expect(alarm.Properties).toMatchObject({
        ...ANY_IN_ONE_PERIOD,
        AlarmDescription: expect.stringMatching(/for our own fault/),
      });
    });

    it('read the one failed Deliveries metric, whatever the vendor, and no refusal', () => {
      expect(singleMetric(alarm)).toEqual({
        name: 'Deliveries',
        dimensions: { outcome: 'failed' },
      });
    });
  });

  describe('ingest errors', () => {
    const alarm = alarmOf(template, 'IngestErrors');

    it('fire on any crash, timeout or failed start of an ingest function in five minutes', () => {
      expect(alarm.Properties).toMatchObject({
        ...ANY_IN_ONE_PERIOD,
      });
    });

    it('sum the Lambda Errors of every deployed vendor’s ingest function', () => {
      const metrics = summedMetrics(alarm);
      expect(metrics.map(dimensionsOf)).toEqual(
        VENDORS.map((vendor) => ({
          FunctionName: {
            Ref: expect.stringMatching(new RegExp(`^IngestApi${logicalIdOf(vendor.id)}Function`)),
          },
        })),
      );
      for (const metric of metrics) {
        expect(metric.MetricStat).toMatchObject({
          Metric: { Namespace: 'AWS/Lambda', MetricName: 'Errors' },
          Period: 300,
          Stat: 'Sum',
        });
      }
    });

    it('refuse a deployment without ingest functions', () => {
      expect(() => alarmsAlone({ ingestFunctions: [] })).toThrow(/ingest function/);
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
          ...REACHED_IN_ONE_PERIOD,
          Threshold: 10,
        });
      }
    });

    it.each(VENDORS.map((vendor) => [vendor.id]))(
      'read the %s AuthenticationFailures metric alone',
      (vendorId) => {
        const alarm = authAlarms.find(([id]) =>
          id.startsWith(`Alarms${logicalIdOf(vendorId)}Authentication`),
        );
        expect(singleMetric(alarm![1])).toEqual({
          name: 'AuthenticationFailures',
          dimensions: { vendor: vendorId },
        });
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
    expect(singleMetric(alarm)).toEqual({ name: 'PublishFailures', dimensions: {} });
  });

  it('cover only the deployed vendors', () => {
    const reducedTemplate = synthStack({ vendors: ['treezor'] });
    const reduced = resourcesOf(reducedTemplate, 'AWS::CloudWatch::Alarm');
    expect(reduced.filter(([id]) => id.includes('AuthenticationFailures'))).toHaveLength(1);
    expect(JSON.stringify(reduced)).not.toContain('"idwise"');
    expect(summedMetrics(alarmOf(reducedTemplate, 'IngestErrors')).map(dimensionsOf)).toEqual([
      { FunctionName: { Ref: expect.stringMatching(/^IngestApitreezorFunction/) } },
    ]);
  });

  describe('missing credentials', () => {
    const alarm = alarmOf(template, 'CredentialsMissing');

    it('fire once, for any vendor, on the first delivery refused for want of credentials', () => {
      expect(alarm.Properties).toMatchObject({
        ...ANY_IN_ONE_PERIOD,
      });
      const metrics = summedMetrics(alarm);
      expect(metrics.map((m) => [m.MetricStat?.Metric.MetricName, dimensionsOf(m)])).toEqual([
        ['MissingCredentials', {}],
        ['TokenRequests', { outcome: 'refused', reason: 'no_clients_configured' }],
      ]);
    });

    it('are the only alarm that counts them', () => {
      const others = resourcesOf(template, 'AWS::CloudWatch::Alarm').filter(
        ([id]) => !id.startsWith('AlarmsCredentialsMissing'),
      );
      const text = JSON.stringify(others);
      expect(text).not.toContain('MissingCredentials');
      expect(text).not.toContain('no_clients_configured');
    });
  });

  it('fire three days before SQS may delete a dead letter', () => {
    // The DLQ keeps 14 days from the first enqueue, the queue 4: a dead letter may be deleted
    // once its DLQ age (counted from the move) reaches 10 days.
    expect(alarmOf(template, 'DeadLettersExpiring').Properties).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: {
            'Fn::GetAtt': [expect.stringMatching(/^IngestQueueDeadLetterQueue/), 'QueueName'],
          },
        },
      ],
      Statistic: 'Maximum',
      Threshold: 7 * 86_400,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    expect(() => alarmsAlone({ deadLettersExpireAfter: Duration.days(3) })).toThrow(
      /deadLettersExpireAfter must exceed the three days/,
    );
  });

  describe('API throttling', () => {
    it('fire on any 429, counted from the access log (API Gateway’s 4xx mixes it with refusals)', () => {
      expect(alarmOf(template, 'ApiThrottled').Properties).toMatchObject({
        Namespace: 'KycWebhooks',
        MetricName: THROTTLED_REQUESTS_METRIC,
        Statistic: 'Sum',
        Period: 300,
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
      });
      template.hasResourceProperties('AWS::Logs::MetricFilter', {
        LogGroupName: { Ref: Match.stringLikeRegexp('^IngestApiAccessLogs') },
        FilterPattern: '{ $.status = "429" }',
        MetricTransformations: [
          {
            MetricNamespace: 'KycWebhooks',
            MetricName: THROTTLED_REQUESTS_METRIC,
            MetricValue: '1',
          },
        ],
      });
    });
  });

  describe('Ondato token refusals', () => {
    const alarm = alarmOf(template, 'OndatoTokenRefusals');

    it('fire at 3 client-authentication refusals in five minutes', () => {
      expect(alarm.Properties).toMatchObject({
        ...REACHED_IN_ONE_PERIOD,
        Threshold: 3,
      });
      expect(summedMetrics(alarm).map(dimensionsOf)).toEqual(
        TOKEN_CLIENT_REFUSALS.map((reason) => ({ outcome: 'refused', reason })),
      );
    });

    it('exist only with the token endpoint', () => {
      const reduced = resourcesOf(synthStack({ vendors: ['treezor'] }), 'AWS::CloudWatch::Alarm');
      expect(reduced.filter(([id]) => id.startsWith('AlarmsOndatoTokenRefusals'))).toEqual([]);
    });
  });

  it('read at most 10 metrics each, CloudWatch’s limit', () => {
    for (const [id, alarm] of resourcesOf(template, 'AWS::CloudWatch::Alarm')) {
      const stats = (queriesOf(alarm) ?? []).filter((query) => query.MetricStat);
      expect(stats.length, id).toBeLessThanOrEqual(10);
    }
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
    // DLQ, dead letters expiring, queue age, deliveries not queued, ingest errors, credentials
    // missing, one per vendor, API throttled, token refusals, processor errors and throttles,
    // publish failures; the vendor API worker's dead letters (lib/constructs/enrichment.ts).
    expect(alarms).toHaveLength(12 + VENDORS.length);
    for (const [, alarm] of alarms) {
      for (const actions of ['AlarmActions', 'OKActions']) {
        expect(alarm.Properties[actions]).toEqual([{ Ref: expect.stringMatching(/^AlarmsTopic/) }]);
      }
    }
  });

  it('also notify an existing topic given by ARN, with or without the e-mail topic', () => {
    const arn = 'arn:aws:sns:eu-west-1:123456789012:kyc-paging';
    const both = synthStack({ alarmEmail: 'kyc-ops@example.com', alarmTopicArn: arn });
    for (const [, alarm] of resourcesOf(both, 'AWS::CloudWatch::Alarm')) {
      for (const actions of ['AlarmActions', 'OKActions']) {
        expect(alarm.Properties[actions]).toEqual([
          { Ref: expect.stringMatching(/^AlarmsTopic/) },
          arn,
        ]);
      }
    }
    const only = synthStack({ alarmTopicArn: arn });
    only.resourceCountIs('AWS::SNS::Topic', 0);
    for (const [, alarm] of resourcesOf(only, 'AWS::CloudWatch::Alarm')) {
      expect(alarm.Properties['AlarmActions']).toEqual([arn]);
    }
  });
});
