import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { CreateAlarmOptions, IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { NO_CREDENTIALS_REASON } from '../../lambdas/runtime/metrics.js';
import type { TokenReason } from '../../lambdas/token/issue-token.js';
import { METRIC_PERIOD, pipelineMetric, sumOf } from './pipeline-metrics.js';
import type { PipelineMetricOptions } from './pipeline-metrics.js';

/**
 * Raised when one period's value is above the threshold (0, any at all, unless one is given); no
 * data means nothing happened, not a fault.
 */
export const WHEN_ABOVE = {
  threshold: 0,
  comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
  evaluationPeriods: 1,
  treatMissingData: TreatMissingData.NOT_BREACHING,
} as const satisfies Partial<CreateAlarmOptions>;

/** As `WHEN_ABOVE`, for a threshold the value must reach. */
export const WHEN_REACHED = {
  ...WHEN_ABOVE,
  comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
} as const satisfies Partial<CreateAlarmOptions>;

/**
 * Deliveries one vendor may have refused for authentication in five minutes before anyone is
 * told. Vendors retry refused deliveries, so a broken credential (a rotation done in the wrong
 * order, an expired token, a vendor moving to new source addresses) produces a steady stream of
 * refusals well above this within minutes; a single stray or mistyped request does not page.
 */
export const DEFAULT_AUTH_FAILURE_THRESHOLD = 10;

/** The token endpoint's counterpart: Ondato's secret lists no OAuth client. */
export const NO_TOKEN_CLIENTS_REASON = 'no_clients_configured' satisfies TokenReason;

/**
 * Token requests refused because the client did not prove itself (answered `invalid_client`, or
 * 403 from Ondato's address allow-list). Ondato must obtain a token before it can deliver, so
 * these stop its webhooks; malformed requests (`invalid_request`) are scanners', not Ondato's.
 * `no_clients_configured` is left to the missing-credentials alarm.
 */
export const TOKEN_CLIENT_REFUSALS = [
  'missing_client_credentials',
  'unsupported_authorization_scheme',
  'malformed_basic_credentials',
  'unknown_client',
  'wrong_client_secret',
  'ip_not_allowed',
] as const satisfies readonly TokenReason[];

/**
 * Token refusals in five minutes that raise the alarm. Lower than a webhook route's: a working
 * client asks for one token per token lifetime (300 s), and a client whose credentials broke
 * asks only as often as Ondato retries a delivery, with growing back-off, so a larger threshold
 * could stay unmet while every delivery waits.
 */
export const DEFAULT_TOKEN_REFUSAL_THRESHOLD = 3;

/**
 * How long before SQS may delete a dead letter its alarm fires: time to fix a cause and redrive
 * after the `DeadLetterQueueNotEmpty` notice went unanswered.
 */
const DEAD_LETTER_WARNING_MARGIN = Duration.days(3);

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
  /**
   * The least time a dead letter stays in the DLQ before SQS deletes it
   * (`IngestQueue.deadLettersExpireAfter`); its alarm fires three days before.
   */
  readonly deadLettersExpireAfter: Duration;
  /** Requests the API answered 429 (`IngestApi.throttledRequests`). @default no throttling alarm */
  readonly throttledRequests?: IMetric;
  /** Whether Ondato's token endpoint is deployed (adds its alarm). @default false */
  readonly tokenEndpoint?: boolean;
  /** The namespace of the functions' metrics. @default METRICS_NAMESPACE */
  readonly metricsNamespace?: string;
  /** Recipient of alarm notifications, through a topic created here. @default no e-mail */
  readonly alarmEmail?: string | null;
  /**
   * An existing SNS topic (chat, paging, a ticketing bridge) every alarm also notifies. Its
   * access policy must let CloudWatch publish, and its key's policy too if it is encrypted.
   * @default none
   */
  readonly alarmTopicArn?: string | null;
  /** Display name of the created topic, the sender of its e-mails. @default 'KYC webhooks alarms' */
  readonly topicDisplayName?: string;
  /** Age of the oldest queued message that means the processor is not keeping up. @default 5 minutes */
  readonly maxQueueAge?: Duration;
  /**
   * Deliveries of one vendor refused for authentication (bad or missing credential or
   * signature, no credentials configured, source address not allowed) within five minutes that
   * raise that vendor's alarm. @default DEFAULT_AUTH_FAILURE_THRESHOLD (10)
   */
  readonly authFailureThreshold?: number;
  /**
   * Token requests refused for client authentication within five minutes that raise the token
   * endpoint's alarm. @default DEFAULT_TOKEN_REFUSAL_THRESHOLD (3)
   */
  readonly tokenRefusalThreshold?: number;
  /**
   * Alarms other constructs raise (the vendor API worker's dead letters), notified like these
   * and listed after them in `all`. @default none
   */
  readonly otherAlarms?: readonly Alarm[];
}

/**
 * The signals an operator must act on: anything dead-lettered, and dead letters about to expire;
 * a stalled queue; deliveries ingest could not queue for our fault; vendors left without
 * credentials; webhooks refused for failed authentication; routes throttled; Ondato refused
 * tokens; a failing or throttled processor; and events that do not reach the bus. Every alarm
 * notifies the e-mail topic and the configured topic, on alarm and on recovery.
 *
 * CloudWatch bills an alarm per metric it reads, so the functions publish what an alarm needs as
 * one metric (lambdas/runtime/metrics.ts): only the ingest functions' errors (one metric per
 * function, as Lambda publishes them) and Ondato's token refusals (one per reason) are sums, and
 * `sumOf` fails the synth beyond CloudWatch's 10 metrics an alarm may read, rather than the deploy.
 */
export class Alarms extends Construct {
  readonly deadLetterQueueNotEmpty: Alarm;
  readonly deadLettersExpiring: Alarm;
  readonly queueTooOld: Alarm;
  readonly deliveriesNotQueued: Alarm;
  readonly ingestErrors: Alarm;
  readonly credentialsMissing: Alarm;
  /** One per vendor, keyed by vendor id. */
  readonly authenticationFailures: ReadonlyMap<string, Alarm>;
  /** Present when the API's throttled-request metric was given. */
  readonly apiThrottled?: Alarm;
  /** Present when the token endpoint is deployed. */
  readonly tokenRefusals?: Alarm;
  readonly processorErrors: Alarm;
  readonly processorThrottles: Alarm;
  readonly publishFailures: Alarm;
  /** Age of the oldest queued message `queueTooOld` fires at. */
  readonly maxQueueAge: Duration;
  /** Every alarm above and `otherAlarms`, for the topics and the dashboard. */
  readonly all: readonly Alarm[];
  /** Present only when an alarm e-mail is configured. */
  readonly topic?: Topic;
  /** Present only when an alarm topic ARN is configured. */
  readonly externalTopic?: ITopic;

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
    const tokenRefusalThreshold = props.tokenRefusalThreshold ?? DEFAULT_TOKEN_REFUSAL_THRESHOLD;
    if (!Number.isInteger(tokenRefusalThreshold) || tokenRefusalThreshold < 1) {
      throw new Error(
        `Alarms: tokenRefusalThreshold must be a positive integer, got ${tokenRefusalThreshold}`,
      );
    }
    const warnAfter =
      props.deadLettersExpireAfter.toSeconds() - DEAD_LETTER_WARNING_MARGIN.toSeconds();
    if (warnAfter <= 0) {
      throw new Error(
        'Alarms: deadLettersExpireAfter must exceed the three days of warning before dead ' +
          `letters expire, got ${props.deadLettersExpireAfter.toHumanString()}`,
      );
    }
    if (props.vendors.length === 0) throw new Error('Alarms: expected at least one vendor');
    const metric = (
      name: Parameters<typeof pipelineMetric>[0],
      dimensions: Parameters<typeof pipelineMetric>[1],
      options: PipelineMetricOptions = {},
    ) =>
      pipelineMetric(name, dimensions, {
        ...(props.metricsNamespace !== undefined && { namespace: props.metricsNamespace }),
        ...options,
      });
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
        ...WHEN_ABOVE,
      });

    // The alarm above fires once, when the first message arrives, and stays in alarm; this one
    // says, before it happens, that a dead letter is about to be deleted unredriven.
    this.deadLettersExpiring = props.deadLetterQueue
      .metricApproximateAgeOfOldestMessage({ period: Duration.minutes(15), statistic: 'Maximum' })
      .createAlarm(this, 'DeadLettersExpiring', {
        alarmDescription:
          `A dead letter has waited ${Math.round(warnAfter / 86_400)} days: SQS deletes it ` +
          'within three more, and the delivery is lost. Fix the cause and redrive now ' +
          '(npx kyc-webhooks redrive)',
        ...WHEN_ABOVE,
        threshold: warnAfter,
      });

    this.queueTooOld = props.queue
      .metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1), statistic: 'Maximum' })
      .createAlarm(this, 'QueueTooOld', {
        alarmDescription:
          'Webhooks wait in the ingest queue; the processor is failing or throttled',
        ...WHEN_ABOVE,
        threshold: maxQueueAge.toSeconds(),
        evaluationPeriods: 3,
      });

    // Not the stage's 5xx: a 5xx is also a deliberate refusal (Treezor asks for one on a bad
    // signature; Ondato gets 503 for any refusal our state could cause, as Event Grid drops 400,
    // 401, 403 and 413), so forgeries and scanners would page. Ingest counts `failed` only when
    // nothing was queued for our own fault: the queue refused a verified delivery, the vendor's
    // secret could not be read or parsed, or a defect. The secret failures come before
    // authentication and so count any request, forgeries included; but then every authentic
    // delivery fails the same way. Refusals are the authentication-failure alarms' concern.
    this.deliveriesNotQueued = metric('Deliveries', { outcome: 'failed' }).createAlarm(
      this,
      'DeliveriesNotQueued',
      {
        alarmDescription:
          'Ingest could not queue deliveries for our own fault (queue unreachable, a vendor ' +
          'secret unreadable or invalid, or a defect) and answered 503; vendors retry, but ' +
          'webhooks are lost once they give up. The ingest log’s `delivery not queued` lines ' +
          '(or `deliveries --not-accepted`) give the vendor and the reason',
        ...WHEN_ABOVE,
      },
    );

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
      ...WHEN_ABOVE,
    });

    this.credentialsMissing = sumOf(
      'deliveries refused for want of credentials',
      [
        metric('MissingCredentials', {}),
        ...(props.tokenEndpoint
          ? [metric('TokenRequests', { outcome: 'refused', reason: NO_TOKEN_CLIENTS_REASON })]
          : []),
      ],
      { forAlarm: true },
    ).createAlarm(this, 'CredentialsMissing', {
      alarmDescription:
        'A vendor is sending webhooks but its secret holds no credentials (the `{}` placeholder ' +
        'of a first deploy, or emptied), so every delivery is refused. Store them (README, ' +
        `Deploy); the dashboard’s refusals by vendor and reason, or the ingest log’s ` +
        `\`delivery refused\` lines with reason ${NO_CREDENTIALS_REASON}, name the vendor`,
      ...WHEN_ABOVE,
    });

    const authenticationFailures = new Map<string, Alarm>();
    for (const vendor of props.vendors) {
      const alarm = metric('AuthenticationFailures', { vendor }).createAlarm(
        this,
        `${vendor}AuthenticationFailures`,
        {
          alarmDescription:
            `${vendor} deliveries are being refused for authentication (credential, signature or ` +
            'source address); check a recent credential rotation or the vendor’s addresses, or ' +
            'look for probing in the ingest log (`delivery refused` lines give the reason)',
          ...WHEN_REACHED,
          threshold: authFailureThreshold,
        },
      );
      authenticationFailures.set(vendor, alarm);
    }
    this.authenticationFailures = authenticationFailures;

    if (props.throttledRequests) {
      // Route limits sit far above any vendor's genuine rate, so any 429 is a flood on a route or
      // a limit set below a vendor's traffic; IDWise, bronID and Truuth may never resend it.
      this.apiThrottled = new Alarm(this, 'ApiThrottled', {
        metric: props.throttledRequests,
        alarmDescription:
          'The API answered 429: a route is over its request limit, from a flood or a limit ' +
          'below a vendor’s real traffic, and vendors that give up lose those deliveries. The ' +
          'access log (status 429, by routeKey) shows which route',
        ...WHEN_ABOVE,
      });
    }

    if (props.tokenEndpoint) {
      this.tokenRefusals = sumOf(
        'Ondato token requests refused for client authentication',
        TOKEN_CLIENT_REFUSALS.map((reason) =>
          metric('TokenRequests', { outcome: 'refused', reason }),
        ),
        { forAlarm: true },
      ).createAlarm(this, 'OndatoTokenRefusals', {
        alarmDescription:
          'The Ondato token endpoint is refusing client credentials (or addresses): Ondato gets ' +
          'no token and cannot deliver webhooks. Compare the client id and secret set in Ondato ' +
          'with `oauthClients` in the Ondato secret; the token log’s `token refused` lines give ' +
          'the reason',
        ...WHEN_REACHED,
        threshold: tokenRefusalThreshold,
      });
    }

    // The processor reports failed records instead of throwing, so Errors counts only crashes,
    // timeouts and failed cold starts: each one returns a whole batch to the queue.
    this.processorErrors = props.processor
      .metricErrors({ period: METRIC_PERIOD, statistic: 'Sum' })
      .createAlarm(this, 'ProcessorErrors', {
        alarmDescription:
          'The processor crashed, timed out or failed to start; its whole batch will be retried',
        ...WHEN_ABOVE,
      });

    // The processor has no reserved concurrency, so a throttle means the account's concurrency
    // is exhausted: the ingest functions are then being throttled too, and vendors see errors.
    this.processorThrottles = props.processor
      .metricThrottles({ period: METRIC_PERIOD, statistic: 'Sum' })
      .createAlarm(this, 'ProcessorThrottles', {
        alarmDescription:
          'The processor was throttled: the account’s Lambda concurrency is exhausted',
        ...WHEN_ABOVE,
      });

    // A failed publication is retried with its record, so a blip heals itself; ten minutes of
    // failures means EventBridge or the bus is refusing events and consumers are falling behind.
    this.publishFailures = metric('PublishFailures', {}).createAlarm(this, 'PublishFailures', {
      alarmDescription:
        'EventBridge is not accepting events; consumers are not receiving them (see the ' +
        'processor log’s `event not published` lines)',
      ...WHEN_ABOVE,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
    });

    this.all = [
      this.deadLetterQueueNotEmpty,
      this.deadLettersExpiring,
      this.queueTooOld,
      this.deliveriesNotQueued,
      this.ingestErrors,
      this.credentialsMissing,
      ...authenticationFailures.values(),
      ...(this.apiThrottled ? [this.apiThrottled] : []),
      ...(this.tokenRefusals ? [this.tokenRefusals] : []),
      this.processorErrors,
      this.processorThrottles,
      this.publishFailures,
      ...(props.otherAlarms ?? []),
    ];

    const topics: ITopic[] = [];
    if (props.alarmEmail) {
      this.topic = new Topic(this, 'Topic', {
        displayName: props.topicDisplayName ?? 'KYC webhooks alarms',
        enforceSSL: true,
      });
      this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
      topics.push(this.topic);
    }
    if (props.alarmTopicArn) {
      this.externalTopic = Topic.fromTopicArn(this, 'ExternalTopic', props.alarmTopicArn);
      topics.push(this.externalTopic);
    }
    for (const topic of topics) {
      const action = new SnsAction(topic);
      for (const alarm of this.all) {
        alarm.addAlarmAction(action);
        alarm.addOkAction(action);
      }
    }
  }
}
