import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { resourcesOf, synthStack } from './synth-stack.js';

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

  it('fire when the API answers 5xx', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/ApiGateway',
      MetricName: '5xx',
      Threshold: 0,
    });
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
    expect(alarms.length).toBeGreaterThanOrEqual(3);
    for (const [, alarm] of alarms) {
      expect(alarm.Properties['AlarmActions']).toEqual([
        { Ref: expect.stringMatching(/^AlarmsTopic/) },
      ]);
    }
  });
});
