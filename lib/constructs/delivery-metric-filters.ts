import { Unit } from 'aws-cdk-lib/aws-cloudwatch';
import type { MetricFilter } from 'aws-cdk-lib/aws-logs';
import { FilterPattern, type ILogGroup, type JsonPattern } from 'aws-cdk-lib/aws-logs';
import {
  DELIVERY_METRICS,
  ONE_DELIVERY,
  type DeliveryField,
  type DeliveryMetricRule,
} from '../../lambdas/runtime/delivery-metrics.js';
import { METRICS, type MetricUnit } from '../../lambdas/runtime/metrics.js';

/** CloudWatch Logs' limit on a filter pattern's length. */
export const MAX_FILTER_PATTERN_LENGTH = 1024;

const UNITS: Readonly<Record<MetricUnit, Unit>> = {
  Count: Unit.COUNT,
  Milliseconds: Unit.MILLISECONDS,
};

const RESULT: DeliveryField = 'result';
const REASON: DeliveryField = 'reason';

/** A delivery record's field in the delivery line, where a JSON filter pattern finds it. */
const fieldPath = (field: DeliveryField): string => `$.${field}`;

/**
 * A rule of `DELIVERY_METRICS` as a JSON filter pattern: the result is one of its results, the
 * reason one of its reasons, and every field a dimension is read from is present (CloudWatch
 * publishes a dimension only from a field the matched event has).
 */
export function deliveryFilterPattern(rule: DeliveryMetricRule): JsonPattern {
  const anyOf = (field: DeliveryField, values: readonly string[]) =>
    FilterPattern.any(
      ...values.map((value) => FilterPattern.stringValue(fieldPath(field), '=', value)),
    );
  const matched: DeliveryField[] = [RESULT, ...(rule.reasons ? [REASON] : [])];
  const sources: readonly DeliveryField[] = Object.values(rule.dimensions);
  const pattern = FilterPattern.all(
    anyOf(RESULT, rule.results),
    ...(rule.reasons ? [anyOf(REASON, rule.reasons)] : []),
    ...sources
      .filter((field) => !matched.includes(field))
      .map((field) => FilterPattern.exists(fieldPath(field))),
  );
  if (pattern.logPatternString.length > MAX_FILTER_PATTERN_LENGTH) {
    throw new Error(
      `Delivery metric ${rule.metric}: its filter pattern is ${pattern.logPatternString.length} ` +
        `characters, over CloudWatch Logs' ${MAX_FILTER_PATTERN_LENGTH}`,
    );
  }
  return pattern;
}

/**
 * The delivery metrics of one ingest function, counted from its delivery lines by one metric
 * filter per metric on its log group, in the namespace, under the names, dimensions and units
 * the functions' own metrics use (so alarms and the dashboard read them like any other). No
 * default value: a filter with dimensions cannot have one, and none is wanted (no delivery, no
 * data point, as with EMF).
 */
export function addDeliveryMetricFilters(logGroup: ILogGroup, namespace: string): MetricFilter[] {
  return DELIVERY_METRICS.map((rule) => {
    const sources: readonly (readonly [string, DeliveryField])[] = Object.entries(rule.dimensions);
    return logGroup.addMetricFilter(`${rule.metric}Filter`, {
      filterPattern: deliveryFilterPattern(rule),
      metricNamespace: namespace,
      metricName: rule.metric,
      metricValue: String(ONE_DELIVERY),
      unit: UNITS[METRICS[rule.metric].unit],
      ...(sources.length > 0 && {
        dimensions: Object.fromEntries(sources.map(([name, field]) => [name, fieldPath(field)])),
      }),
    });
  });
}
