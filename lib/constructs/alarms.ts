import { Duration } from 'aws-cdk-lib';
import type { IHttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { AUTHENTICATION_FAILURE_REASONS } from '../../lambdas/runtime/metrics.js';
import { METRIC_PERIOD, pipelineMetric, sumOf } from './pipeline-metrics.js';

/**
 * Deliveries one vendor may have refused for authentication in five minutes before anyone is
 * told. Vendors retry refused deliveries, so a broken credential (a rotation done in the wrong
 * order, an expired token, a vendor moving to new source addresses) produces a steady stream of
 * refusals well above this within minutes; a single stray or mistyped request does not page.
 */
export const DEFAULT_AUTH_FAILURE_THRESHOLD = 10;

export interface AlarmsProps {
  readonly queue: IQueue;
  readonly deadLetterQueue: IQueue;
  /** The API stage whose 5xx answers mean a delivery was refused for our fault. */
  readonly stage: IHttpStage;
  /** The function that drains the queue. */
  readonly processor: IFunction;
  /** Ids of the deployed vendors: each gets its own authentication-failure alarm. */
  readonly vendors: readonly string[];
  /** Recipient of alarm notifications. @default no topic; alarms only change state */
  readonly alarmEmail?: string | null;
  /** Age of the oldest queued message that means the processor is not keeping up. @default 5 minutes */
  readonly maxQueueAge?: Duration;
  /**
   * Deliveries of one vendor refused for authentication (bad or missing credential or
   * signature, no credentials configured, source address not allowed) within five minutes that
   * raise that vendor's alarm. @default DEFAULT_AUTH_FAILURE_THRESHOLD (10)
   */
  readonly authFailureThreshold?: number;
}

/**
 * The signals an operator must act on: anything dead-lettered, a stalled queue, webhooks refused
 * for our fault or for failed authentication, a failing or throttled processor, and events that
 * do not reach the bus. Every alarm notifies the topic when an alarm e-mail is configured.
 */
export class Alarms extends Construct {
  readonly deadLetterQueueNotEmpty: Alarm;
  readonly queueTooOld: Alarm;
  readonly apiServerErrors: Alarm;
  /** One per vendor, keyed by vendor id. */
  readonly authenticationFailures: ReadonlyMap<string, Alarm>;
  readonly processorErrors: Alarm;
  readonly processorThrottles: Alarm;
  readonly publishFailures: Alarm;
  /** Age of the oldest queued message `queueTooOld` fires at. */
  readonly maxQueueAge: Duration;
  /** Every alarm above, for the topic and the dashboard. */
  readonly all: readonly Alarm[];
  /** Present only when an alarm e-mail is configured. */
  readonly topic?: Topic;

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    const maxQueueAge = props.maxQueueAge ?? Duration.minutes(5);
    this.maxQueueAge = maxQueueAge;
    const authFailureThreshold = props.authFailureThreshold ?? DEFAULT_AUTH_FAILURE_THRESHOLD;
    if (!Number.isInteger(authFailureThreshold) || authFailureThreshold < 1) {
      throw new Error(
        `Alarms: authFailureThreshold must be a positive integer, got ${authFailureThreshold}`,
      );
    }
    if (props.vendors.length === 0) throw new Error('Alarms: expected at least one vendor');

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

    // Ingest answers 5xx only when it could not queue an authentic delivery (or the function
    // itself failed or timed out); the vendor retries, but a sustained failure loses webhooks
    // once the vendor gives up.
    this.apiServerErrors = props.stage
      .metricServerError({ period: METRIC_PERIOD, statistic: 'Sum' })
      .createAlarm(this, 'ApiServerErrors', {
        alarmDescription: 'The webhook API answered 5xx; deliveries are not being queued',
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });

    const authenticationFailures = new Map<string, Alarm>();
    for (const vendor of props.vendors) {
      const refusals = AUTHENTICATION_FAILURE_REASONS.map((reason) =>
        pipelineMetric('Deliveries', { vendor, outcome: 'refused', reason }),
      );
      const alarm = sumOf(`${vendor} deliveries refused for authentication`, refusals, {
        forAlarm: true,
      }).createAlarm(this, `${vendor}AuthenticationFailures`, {
        alarmDescription:
          `${vendor} deliveries are being refused for authentication (credential, signature or ` +
          'source address); check a recent credential rotation or the vendor’s addresses, or ' +
          'look for probing in the ingest log (`delivery refused` lines give the reason)',
        threshold: authFailureThreshold,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      authenticationFailures.set(vendor, alarm);
    }
    this.authenticationFailures = authenticationFailures;

    // The processor reports failed records instead of throwing, so Errors counts only crashes,
    // timeouts and failed cold starts: each one returns a whole batch to the queue.
    this.processorErrors = props.processor
      .metricErrors({ period: METRIC_PERIOD, statistic: 'Sum' })
      .createAlarm(this, 'ProcessorErrors', {
        alarmDescription:
          'The processor crashed, timed out or failed to start; its whole batch will be retried',
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });

    // The processor has no reserved concurrency, so a throttle means the account's concurrency
    // is exhausted: the ingest functions are then being throttled too, and vendors see errors.
    this.processorThrottles = props.processor
      .metricThrottles({ period: METRIC_PERIOD, statistic: 'Sum' })
      .createAlarm(this, 'ProcessorThrottles', {
        alarmDescription:
          'The processor was throttled: the account’s Lambda concurrency is exhausted',
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });

    // A failed publication is retried with its record, so a blip heals itself; ten minutes of
    // failures means EventBridge or the bus is refusing events and consumers are falling behind.
    this.publishFailures = sumOf(
      'events EventBridge did not accept',
      props.vendors.map((vendor) => pipelineMetric('PublishFailures', { vendor })),
      { forAlarm: true },
    ).createAlarm(this, 'PublishFailures', {
      alarmDescription:
        'EventBridge is not accepting events; consumers are not receiving them (see the ' +
        'processor log’s `event not published` lines)',
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    this.all = [
      this.deadLetterQueueNotEmpty,
      this.queueTooOld,
      this.apiServerErrors,
      ...authenticationFailures.values(),
      this.processorErrors,
      this.processorThrottles,
      this.publishFailures,
    ];

    if (props.alarmEmail) {
      this.topic = new Topic(this, 'Topic', {
        displayName: 'KYC webhooks alarms',
        enforceSSL: true,
      });
      this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
      const action = new SnsAction(this.topic);
      for (const alarm of this.all) {
        alarm.addAlarmAction(action);
        alarm.addOkAction(action);
      }
    }
  }
}
