import { Duration } from 'aws-cdk-lib';
import { MathExpression, Metric, Stats } from 'aws-cdk-lib/aws-cloudwatch';
import type { IMetric, MetricOptions } from 'aws-cdk-lib/aws-cloudwatch';
import { METRICS, type MetricDefinition, type MetricName } from '../../lambdas/runtime/metrics.js';
import { METRICS_NAMESPACE } from './node-function.js';

/** The period alarms and the dashboard read the functions' metrics at. */
export const METRIC_PERIOD = Duration.minutes(5);

/** CloudWatch's limit on the metrics one alarm's math expression may read. */
export const MAX_ALARM_METRICS = 10;

/** Options of a pipeline metric: a graph's or alarm's, and the deployment's namespace. */
export interface PipelineMetricOptions extends MetricOptions {
  /** The functions' namespace (a stage has its own). @default METRICS_NAMESPACE */
  readonly namespace?: string;
}

/**
 * One of the pipeline's metrics (lambdas/runtime/metrics.ts): EMF from a function, or a metric
 * filter's on the ingest log groups. The dimension names must be the metric's own: anything else
 * names a metric nobody publishes, whose alarm would never fire. Counts default to `Sum`, sizes
 * and times to `p99`.
 */
export function pipelineMetric(
  name: MetricName,
  dimensions: Readonly<Record<string, string>>,
  options: PipelineMetricOptions = {},
): Metric {
  const definition: MetricDefinition = METRICS[name];
  const given = Object.keys(dimensions).sort().join(',');
  const published = [...definition.dimensions].sort().join(',');
  if (given !== published) {
    throw new Error(`Metric ${name} is published with dimensions [${published}], not [${given}]`);
  }
  const { namespace = METRICS_NAMESPACE, ...metricOptions } = options;
  return new Metric({
    namespace,
    metricName: name,
    dimensionsMap: { ...dimensions },
    statistic: definition.unit === 'Count' ? Stats.SUM : Stats.p(99),
    period: METRIC_PERIOD,
    ...metricOptions,
  });
}

/**
 * The sum of several metrics, one value per period. `SUM([...])` rather than `m0 + m1 + …`: an
 * arithmetic expression has no value where any one metric has none, and most of these metrics
 * (a given refusal reason, a given vendor's failures) have no data most of the time.
 */
export function sumOf(
  label: string,
  metrics: readonly IMetric[],
  options: { readonly forAlarm?: boolean } = {},
): MathExpression {
  if (metrics.length === 0) throw new Error(`Sum "${label}": expected at least one metric`);
  if (options.forAlarm && metrics.length > MAX_ALARM_METRICS) {
    throw new Error(
      `Sum "${label}" reads ${metrics.length} metrics; a CloudWatch alarm reads at most ${MAX_ALARM_METRICS}`,
    );
  }
  // Ids are unique per graph, not per expression: derive them from the label.
  const prefix =
    label
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^[^a-z]+/, '') || 'm';
  const usingMetrics = Object.fromEntries(metrics.map((metric, i) => [`${prefix}_${i}`, metric]));
  return new MathExpression({
    expression: `SUM([${Object.keys(usingMetrics).join(', ')}])`,
    usingMetrics,
    label,
    period: METRIC_PERIOD,
  });
}
