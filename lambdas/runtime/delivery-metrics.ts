import type { DeliveryRecord, DeliveryResult } from '../core/delivery-log.js';
import type { IngestReason } from '../ingest/ingest-delivery.js';
import {
  AUTHENTICATION_FAILURE_REASONS,
  NO_CREDENTIALS_REASON,
  type METRICS,
  type MetricName,
} from './metrics.js';

/**
 * The ingest functions write no metric lines: every number they count is already in the one
 * delivery line each delivery leaves (`delivery accepted|refused|not queued`, carrying its
 * `DeliveryRecord`), so CloudWatch Logs metric filters on each ingest function's log group count
 * them from it (lib/constructs/delivery-metric-filters.ts renders this table into them). A line is
 * counted whatever its level: a failure is written at ERROR and counts all the same.
 */
export type DeliveryMetricName = 'Deliveries' | 'AuthenticationFailures' | 'MissingCredentials';

/** A field of the delivery record, read from the delivery line at its top level (`$.<field>`). */
export type DeliveryField = keyof DeliveryRecord;

/** What one metric counts from a delivery line. */
export interface DeliveryMetricRuleOf<N extends DeliveryMetricName> {
  readonly metric: N;
  /** The line's `result` must be one of these. */
  readonly results: readonly DeliveryResult[];
  /** When set, the line's `reason` must be one of these too. */
  readonly reasons?: readonly IngestReason[];
  /**
   * Each of the metric's dimensions and the field its value is read from. A metric filter
   * publishes a dimension only from a field the line has, so a line without one is not counted
   * (the filter pattern requires it); see `DELIVERY_METRICS` for why no counted line lacks one.
   */
  readonly dimensions: { readonly [K in (typeof METRICS)[N]['dimensions'][number]]: DeliveryField };
}

/** What one of the delivery metrics counts. */
export type DeliveryMetricRule = {
  [N in DeliveryMetricName]: DeliveryMetricRuleOf<N>;
}[DeliveryMetricName];

/**
 * What each delivery metric counts, once:
 * - `Deliveries`: every delivery, by its result (`outcome` ← `result`), a defect included (its
 *   result is `failed`).
 * - `AuthenticationFailures`: a refusal as not proved genuine, per vendor (`vendor` ← `vendor`),
 *   for that vendor's alarm. Every such reason comes from the vendor's own checks (its allow-list,
 *   its `verify`), which only run once the route named the vendor, so each of these lines carries
 *   it; a line without one (an unknown route, refused `unknown_route`) is never one of them.
 * - `MissingCredentials`: a refusal because the vendor's secret holds no credentials, one total
 *   for its own alarm (one cause, one fix), and so not an authentication failure.
 */
export const DELIVERY_METRICS: readonly DeliveryMetricRule[] = [
  {
    metric: 'Deliveries',
    results: ['accepted', 'refused', 'failed'],
    dimensions: { outcome: 'result' },
  },
  {
    metric: 'AuthenticationFailures',
    results: ['refused'],
    reasons: AUTHENTICATION_FAILURE_REASONS.filter((reason) => reason !== NO_CREDENTIALS_REASON),
    dimensions: { vendor: 'vendor' },
  },
  {
    metric: 'MissingCredentials',
    results: ['refused'],
    reasons: [NO_CREDENTIALS_REASON],
    dimensions: {},
  },
];

/** What a matching delivery line adds to its metric: it is one delivery. */
export const ONE_DELIVERY = 1;

/** One value a delivery line adds to one metric. */
export interface DeliveryMetricValue {
  readonly name: MetricName;
  readonly value: number;
  readonly dimensions: Readonly<Record<string, string>>;
}

/**
 * What a parsed log line adds to each metric, as the metric filters count it: each rule whose
 * result and reason match and whose dimension fields the line has, with their values. Any other
 * line (a platform line, an error line without a record) adds nothing.
 */
export function deliveryMetricsOf(line: Readonly<Record<string, unknown>>): DeliveryMetricValue[] {
  const values: DeliveryMetricValue[] = [];
  for (const rule of DELIVERY_METRICS) {
    if (!rule.results.some((result) => line['result'] === result)) continue;
    if (rule.reasons && !rule.reasons.some((reason) => line['reason'] === reason)) continue;
    const fields: readonly (readonly [string, DeliveryField])[] = Object.entries(rule.dimensions);
    const dimensions: Record<string, string> = {};
    for (const [name, field] of fields) {
      const value = line[field];
      if (typeof value === 'string') dimensions[name] = value;
    }
    // A line without a dimension's field does not match (the pattern requires the field).
    if (Object.keys(dimensions).length < fields.length) continue;
    values.push({ name: rule.metric, value: ONE_DELIVERY, dimensions });
  }
  return values;
}
