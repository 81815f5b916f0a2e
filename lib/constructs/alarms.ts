import { Duration } from 'aws-cdk-lib';
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
  /**
   * The deployed vendors' ingest functions, one per vendor: their crashes and timeouts answer
   * the vendor with an error that ingest itself never gets to count.
   */
  readonly ingestFunctions: readonly IFunction[];
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
 * The signals an operator must act on: anything dead-lettered, a stalled queue, deliveries ingest
 * could not queue for our fault, webhooks refused for failed authentication, a failing or
 * throttled processor, and events that do not reach the bus. Every alarm notifies the topic when
 * an alarm e-mail is configured.
 */
export class Alarms extends Construct {
  readonly deadLetterQueueNotEmpty: Alarm;
  readonly queueTooOld: Alarm;
  readonly deliveriesNotQueued: Alarm;
  readonly ingestErrors: Alarm;
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
    if (props.ingestFunctions.length === 0) {
      throw new Error('Alarms: expected the ingest function of every deployed vendor');
    }

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

    // Not the stage's 5xx: a 5xx is also a deliberate refusal (Treezor asks for one on a bad
    // signature; Ondato gets 503 for any refusal our state could cause, as Event Grid drops 400,
    // 401, 403 and 413), so forgeries and scanners would page. Ingest counts `failed` only when
    // nothing was queued for our own fault: the queue refused a verified delivery, the vendor's
    // secret could not be read or parsed, or a defect. The secret failures come before
    // authentication and so count any request, forgeries included; but then every authentic
    // delivery fails the same way. Refusals are the authentication-failure alarms' concern.
    this.deliveriesNotQueued = sumOf(
      'deliveries not queued for our fault',
      props.vendors.map((vendor) => pipelineMetric('Deliveries', { vendor, outcome: 'failed' })),
      { forAlarm: true },
    ).createAlarm(this, 'DeliveriesNotQueued', {
      alarmDescription:
        'Ingest could not queue deliveries for our own fault (queue unreachable, a vendor ' +
        'secret unreadable or invalid, or a defect) and answered 503; vendors retry, but ' +
        'webhooks are lost once they give up. The ingest log’s `delivery not queued` lines give ' +
        'the vendor and the reason',
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    // A crash, a timeout or a failed cold start ends the invocation before ingest can count the
    // delivery, so the metric above never sees it; the vendor gets API Gateway's error instead.
    this.ingestErrors = sumOf(
      'ingest function errors',
      props.ingestFunctions.map((fn) =>
        fn.metricErrors({ period: METRIC_PERIOD, statistic: 'Sum' }),
      ),
      { forAlarm: true },
    ).createAlarm(this, 'IngestErrors', {
      alarmDescription:
        'An ingest function crashed, timed out or failed to start: those deliveries were not ' +
        'queued (vendors retry). The ingest functions’ logs give the error',
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
      this.deliveriesNotQueued,
      this.ingestErrors,
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
