import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import {
  METRICS,
  type DimensionsOf,
  type MetricDefinition,
  type MetricName,
  type MetricRecorder,
} from './metrics.js';

/**
 * The metrics port over Powertools Metrics (CloudWatch EMF). Values are held until `flush`, then
 * written as one EMF line per distinct set of dimension values: an EMF line carries one value per
 * dimension, so a batch with two failure reasons needs two lines.
 */
export class PowertoolsMetricRecorder implements MetricRecorder {
  readonly #metrics: Metrics;
  readonly #pending = new Map<string, PendingLine>();

  constructor(metrics: Metrics) {
    this.#metrics = metrics;
    // Powertools adds a `service` dimension by default. The alarms and the dashboard address each
    // metric by its exact dimension set, and `vendor` already tells the functions apart, so
    // `service` would only be one more name every query must repeat.
    metrics.clearDefaultDimensions();
  }

  record<N extends MetricName>(name: N, value: number, dimensions: DimensionsOf<N>): void {
    const definition: MetricDefinition = METRICS[name];
    const values: Readonly<Record<string, string>> = dimensions;
    const line = Object.fromEntries(definition.dimensions.map((key) => [key, values[key] ?? '']));
    const key = JSON.stringify(Object.entries(line).sort());
    const pending = this.#pending.get(key) ?? { dimensions: line, values: [] };
    pending.values.push({ name, value });
    this.#pending.set(key, pending);
  }

  /** Writes everything recorded since the last flush; call it once at the end of an invocation. */
  flush(): void {
    for (const line of this.#pending.values()) {
      for (const [name, value] of Object.entries(line.dimensions)) {
        this.#metrics.addDimension(name, value);
      }
      for (const { name, value } of line.values) {
        this.#metrics.addMetric(name, METRICS[name].unit, value);
      }
      this.#metrics.publishStoredMetrics();
    }
    this.#pending.clear();
  }
}

interface PendingLine {
  readonly dimensions: Readonly<Record<string, string>>;
  readonly values: { readonly name: MetricName; readonly value: number }[];
}

export interface InvocationObservers<E> {
  readonly logger: Logger;
  /** Flushed when each invocation ends. @default none: a function that writes no metric lines */
  readonly metrics?: PowertoolsMetricRecorder;
  /** The id that ties this invocation's log lines to the caller's request, when there is one. */
  readonly correlationId?: (event: E) => string | undefined;
}

/**
 * What Powertools' `injectLambdaContext` and `logMetrics` do, without Middy or class decorators:
 * every log line of an invocation carries the Lambda context (`function_request_id`, cold start)
 * and the correlation id, and the invocation's metrics (if any) are flushed when it ends, thrown
 * or not.
 * The event itself is never logged: webhook bodies and headers carry personal data and secrets.
 */
export function observeInvocations<E, R>(
  handler: (event: E, context: Context) => Promise<R>,
  observers: InvocationObservers<E>,
): (event: E, context: Context) => Promise<R> {
  const { logger, metrics, correlationId } = observers;
  return async (event, context) => {
    logger.addContext(context);
    const id = correlationId?.(event);
    if (id !== undefined) logger.setCorrelationId(id);
    try {
      return await handler(event, context);
    } finally {
      metrics?.flush();
      // The correlation id is this invocation's only; the next one must not inherit it.
      logger.resetKeys();
    }
  };
}
