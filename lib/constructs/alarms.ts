import { Duration } from 'aws-cdk-lib';
import type { IHttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface AlarmsProps {
  readonly queue: IQueue;
  readonly deadLetterQueue: IQueue;
  /** The API stage whose 5xx answers mean a delivery was refused for our fault. */
  readonly stage: IHttpStage;
  /** Recipient of alarm notifications. @default no topic; alarms only change state */
  readonly alarmEmail?: string | null;
  /** Age of the oldest queued message that means the processor is not keeping up. @default 5 minutes */
  readonly maxQueueAge?: Duration;
}

/** The signals an operator must act on: anything dead-lettered, a stalled queue, refused webhooks. */
export class Alarms extends Construct {
  readonly deadLetterQueueNotEmpty: Alarm;
  readonly queueTooOld: Alarm;
  readonly apiServerErrors: Alarm;
  /** Present only when an alarm e-mail is configured. */
  readonly topic?: Topic;

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    const maxQueueAge = props.maxQueueAge ?? Duration.minutes(5);

    this.deadLetterQueueNotEmpty = props.deadLetterQueue
      .metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      })
      .createAlarm(this, 'DeadLetterQueueNotEmpty', {
        alarmDescription:
          'A webhook delivery failed processing repeatedly; inspect and redrive the DLQ',
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });

    this.queueTooOld = props.queue
      .metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1), statistic: 'Maximum' })
      .createAlarm(this, 'QueueTooOld', {
        alarmDescription:
          'Webhooks wait in the ingest queue; the processor is failing or throttled',
        threshold: maxQueueAge.toSeconds(),
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });

    // Ingest answers 5xx only when it could not queue an authentic delivery; the vendor retries,
    // but a sustained failure loses webhooks once the vendor gives up.
    this.apiServerErrors = props.stage
      .metricServerError({ period: Duration.minutes(5), statistic: 'Sum' })
      .createAlarm(this, 'ApiServerErrors', {
        alarmDescription: 'The webhook API answered 5xx; deliveries are not being queued',
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });

    if (props.alarmEmail) {
      this.topic = new Topic(this, 'Topic', {
        displayName: 'KYC webhooks alarms',
        enforceSSL: true,
      });
      this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
      const action = new SnsAction(this.topic);
      for (const alarm of [this.deadLetterQueueNotEmpty, this.queueTooOld, this.apiServerErrors]) {
        alarm.addAlarmAction(action);
        alarm.addOkAction(action);
      }
    }
  }
}
