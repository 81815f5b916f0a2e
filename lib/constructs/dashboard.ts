import { Aws, Duration } from 'aws-cdk-lib';
import type { IHttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  AlarmStatusWidget,
  AlarmStatusWidgetSortBy,
  Dashboard,
  GraphWidget,
  LogQueryVisualizationType,
  LogQueryWidget,
  SearchExpression,
  Stats,
  TextWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { IAlarm, IMetric, IWidget, Metric } from 'aws-cdk-lib/aws-cloudwatch';
import type { Function as LambdaFunction, IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DELIVERY_LINES } from '../../lambdas/adapters/logs-insights-delivery-log.js';
import type { MetricName } from '../../lambdas/runtime/metrics.js';
import { METRICS_NAMESPACE } from './node-function.js';
import { METRIC_PERIOD, pipelineMetric } from './pipeline-metrics.js';
import type { PipelineMetricOptions } from './pipeline-metrics.js';

export interface OperationsDashboardProps {
  readonly stage: IHttpStage;
  readonly queue: IQueue;
  readonly deadLetterQueue: IQueue;
  readonly processor: IFunction;
  /** The deployed vendors' ingest functions, whose delivery lines the per-vendor views query. */
  readonly ingestFunctions: readonly LambdaFunction[];
  /** Ids of the deployed vendors, for the per-vendor graphs. */
  readonly vendors: readonly string[];
  /** Shown at the top, so the dashboard opens on what is wrong. */
  readonly alarms: readonly IAlarm[];
  /** Whether Ondato's token endpoint is deployed (adds its graph). @default false */
  readonly tokenEndpoint?: boolean;
  /** Age of the oldest queued message the queue alarm fires at, drawn on its graph. */
  readonly maxQueueAge?: Duration;
  /** @default a name CloudFormation generates */
  readonly dashboardName?: string;
  /** The namespace of the functions' metrics. @default METRICS_NAMESPACE */
  readonly metricsNamespace?: string;
  /** Requests the API answered 429 (`IngestApi.throttledRequests`), beside its 4xx. @default not drawn */
  readonly throttledRequests?: Metric;
}

const OUTCOMES = ['accepted', 'refused', 'failed'] as const;
const FULL_WIDTH = 24;
const HALF = FULL_WIDTH / 2;
const THIRD = FULL_WIDTH / 3;
const HEIGHT = 6;

/**
 * The on-call view, top to bottom as a delivery travels: alarms; what vendors send and why any
 * of it is refused; the API; the queue and its DLQ; the processor; what reaches the bus and how
 * late. Graphs read the pipeline's metrics (lambdas/runtime/metrics.ts) and AWS's own.
 */
export class OperationsDashboard extends Construct {
  readonly dashboard: Dashboard;
  /** The dashboard in the CloudWatch console. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: OperationsDashboardProps) {
    super(scope, id);
    if (props.vendors.length === 0) throw new Error('OperationsDashboard: expected a vendor');
    const { vendors } = props;
    const namespace = props.metricsNamespace ?? METRICS_NAMESPACE;
    // A search's schema needs a name with anything but letters and digits (a stage's
    // `KycWebhooks-staging`) in double quotes.
    const schemaNamespace = /^[A-Za-z0-9]+$/.test(namespace) ? namespace : `"${namespace}"`;
    const metric = (
      name: MetricName,
      dimensions: Readonly<Record<string, string>>,
      options: PipelineMetricOptions = {},
    ): IMetric => pipelineMetric(name, dimensions, { namespace, ...options });
    const percentiles = (name: MetricName): IMetric[] =>
      [50, 99].map((percentile) =>
        metric(name, {}, { label: `p${percentile}`, statistic: Stats.p(percentile) }),
      );
    if (props.ingestFunctions.length === 0) {
      throw new Error('OperationsDashboard: expected the ingest function of every deployed vendor');
    }
    // What no metric tells (vendor, reason, size), the delivery lines do (DESIGN, delivery log).
    const deliveryLog = (title: string, width: number, query: string): LogQueryWidget =>
      new LogQueryWidget({
        title,
        width,
        height: HEIGHT,
        logGroupNames: props.ingestFunctions.map((fn) => fn.logGroup.logGroupName),
        queryLines: [DELIVERY_LINES, query],
        view: LogQueryVisualizationType.TABLE,
      });

    this.dashboard = new Dashboard(this, 'Dashboard', {
      ...(props.dashboardName !== undefined && { dashboardName: props.dashboardName }),
      defaultInterval: Duration.hours(3),
    });
    this.url =
      `https://${Aws.REGION}.console.aws.amazon.com/cloudwatch/home?region=${Aws.REGION}` +
      `#dashboards:name=${this.dashboard.dashboardName}`;

    const rows: IWidget[][] = [
      [
        new TextWidget({
          width: FULL_WIDTH,
          height: 2,
          markdown:
            '## KYC webhooks\n' +
            'Alarms first, then a delivery’s path: API → ingest → queue → processor → bus. ' +
            'Reason codes match the `delivery refused` and `record failed` log lines; the ' +
            'README’s “Operating it” says what to do.',
        }),
      ],
      [
        new AlarmStatusWidget({
          title: 'Alarms',
          alarms: [...props.alarms],
          sortBy: AlarmStatusWidgetSortBy.STATE_UPDATED_TIMESTAMP,
          width: FULL_WIDTH,
          height: 3,
        }),
      ],
      [
        graph('Deliveries by outcome', THIRD, {
          left: OUTCOMES.map((outcome) => metric('Deliveries', { outcome }, { label: outcome })),
          stacked: true,
        }),
        deliveryLog(
          'Deliveries by vendor and result (delivery log)',
          THIRD,
          'stats count(*) as deliveries by vendor, result',
        ),
        deliveryLog(
          'Refused and failed deliveries by reason (delivery log)',
          THIRD,
          'filter result != "accepted" | stats count(*) as deliveries by vendor, result, reason | sort deliveries desc',
        ),
      ],
      [
        graph('Authentication failures by vendor', HALF, {
          left: vendors.map((vendor) =>
            metric('AuthenticationFailures', { vendor }, { label: vendor }),
          ),
          right: [metric('MissingCredentials', {}, { label: 'no credentials configured' })],
        }),
        deliveryLog(
          'Delivery body size by vendor (delivery log)',
          HALF,
          'stats pct(bodyBytes, 50) as p50, pct(bodyBytes, 99) as p99, max(bodyBytes) as max by vendor',
        ),
      ],
      [
        graph('API requests and errors', HALF, {
          left: [
            props.stage.metricCount({ label: 'requests', period: METRIC_PERIOD }),
            props.stage.metricClientError({ label: '4xx', period: METRIC_PERIOD }),
            props.stage.metricServerError({ label: '5xx', period: METRIC_PERIOD }),
            ...(props.throttledRequests ? [props.throttledRequests.with({ label: '429' })] : []),
          ],
        }),
        graph('API latency', HALF, {
          left: [
            props.stage.metricLatency({ label: 'p50', statistic: Stats.p(50) }),
            props.stage.metricLatency({ label: 'p99', statistic: Stats.p(99) }),
            props.stage.metricIntegrationLatency({
              label: 'ingest p99',
              statistic: Stats.p(99),
            }),
          ],
          leftYAxis: { label: 'ms', showUnits: false, min: 0 },
        }),
      ],
      [
        graph('Ingest queue depth', THIRD, {
          left: [
            props.queue.metricApproximateNumberOfMessagesVisible({
              label: 'waiting',
              statistic: Stats.MAXIMUM,
            }),
            props.queue.metricApproximateNumberOfMessagesNotVisible({
              label: 'in flight',
              statistic: Stats.MAXIMUM,
            }),
          ],
        }),
        graph('Oldest queued message', THIRD, {
          left: [
            props.queue.metricApproximateAgeOfOldestMessage({
              label: 'age',
              statistic: Stats.MAXIMUM,
            }),
          ],
          leftYAxis: { label: 'seconds', showUnits: false, min: 0 },
          ...(props.maxQueueAge && {
            leftAnnotations: [{ value: props.maxQueueAge.toSeconds(), label: 'alarm' }],
          }),
        }),
        graph('Dead-letter queue', THIRD, {
          left: [
            props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
              label: 'dead letters',
              statistic: Stats.MAXIMUM,
            }),
          ],
          leftAnnotations: [{ value: 1, label: 'alarm' }],
        }),
      ],
      [
        graph('Processor invocations, errors and throttles', THIRD, {
          left: [props.processor.metricInvocations({ label: 'invocations' })],
          right: [
            props.processor.metricErrors({ label: 'errors' }),
            props.processor.metricThrottles({ label: 'throttles' }),
          ],
        }),
        graph('Processor duration', THIRD, {
          left: [
            props.processor.metricDuration({ label: 'p50', statistic: Stats.p(50) }),
            props.processor.metricDuration({ label: 'p99', statistic: Stats.p(99) }),
            props.processor.metricDuration({ label: 'max', statistic: Stats.MAXIMUM }),
          ],
          leftYAxis: { label: 'ms', showUnits: false, min: 0 },
        }),
        graph('Processor concurrency', THIRD, {
          left: [
            props.processor.metric('ConcurrentExecutions', {
              label: 'concurrent executions',
              statistic: Stats.MAXIMUM,
            }),
          ],
        }),
      ],
      [
        graph('Events: published, duplicate, out of order', HALF, {
          left: [
            metric('EventsPublished', {}, { label: 'published' }),
            metric('DuplicateEvents', {}, { label: 'duplicate' }),
            metric('OutOfOrderEvents', {}, { label: 'out of order' }),
            metric('PayloadsOmitted', {}, { label: 'payload omitted (too large)' }),
          ],
          right: [metric('PublishFailures', {}, { label: 'publish failed' })],
        }),
        graph('Failed records by reason', HALF, {
          left: [search(`{${schemaNamespace},reason} MetricName="RecordFailures"`)],
          stacked: true,
        }),
      ],
      [
        graph('Lag from vendor event time to publication (p50, p99)', HALF, {
          left: percentiles('LagFromEventTime'),
          leftYAxis: { label: 'ms', showUnits: false, min: 0 },
        }),
        graph('Lag from receipt to publication (p50, p99)', HALF, {
          left: percentiles('LagFromReceipt'),
          leftYAxis: { label: 'ms', showUnits: false, min: 0 },
        }),
      ],
    ];
    if (props.tokenEndpoint) {
      rows.push([
        graph('Ondato token requests by outcome and reason', FULL_WIDTH, {
          left: [search(`{${schemaNamespace},outcome,reason} MetricName="TokenRequests"`)],
          stacked: true,
        }),
      ]);
    }
    for (const row of rows) this.dashboard.addWidgets(...row);
  }
}

function graph(
  title: string,
  width: number,
  props: Omit<ConstructorParameters<typeof GraphWidget>[0], 'title' | 'width' | 'height'>,
): GraphWidget {
  return new GraphWidget({ title, width, height: HEIGHT, ...props });
}

function search(query: string): SearchExpression {
  return new SearchExpression({
    expression: `SEARCH('${query}', 'Sum', ${METRIC_PERIOD.toSeconds()})`,
    period: METRIC_PERIOD,
  });
}
