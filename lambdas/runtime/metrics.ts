import type { IngestReason } from '../ingest/ingest-delivery.js';
import { REJECTION_KINDS, type RejectionReason } from '../core/vendor.js';

/**
 * Every metric the functions publish, with its unit and dimensions. Shared with the CDK stack
 * (like `ENV`), so the alarms and the dashboard address exactly what the functions publish. The
 * processor and the token endpoint write theirs as EMF lines; ingest's (`Deliveries`,
 * `AuthenticationFailures`, `MissingCredentials`) are counted from its delivery line by metric
 * filters on its log group (`DELIVERY_METRICS`, delivery-metrics.ts), under the same definitions.
 *
 * Each distinct set of dimension values is a separate CloudWatch metric, billed every month it is
 * published, so dimensions are few and closed sets only, and chosen so that an alarm reads one
 * metric: a vendor only where an alarm is per vendor; a reason only where there are few. Never
 * an eventId, a subject id, a request id or anything from a body. What a metric does not tell
 * (which vendor a delivery was, why it was refused, its size) the delivery log does: one line per
 * delivery, queried with Logs Insights by the dashboard and `deliveries`.
 */
export type DimensionName = 'vendor' | 'outcome' | 'reason';

export type MetricUnit = 'Count' | 'Milliseconds';

export interface MetricDefinition {
  readonly unit: MetricUnit;
  /** None: the metric is one total. */
  readonly dimensions: readonly DimensionName[];
  /** For the README's metrics table and the dashboard. */
  readonly description: string;
}

export const METRICS = {
  Deliveries: {
    unit: 'Count',
    dimensions: ['outcome'],
    description:
      'Webhook deliveries by outcome (accepted, refused, failed); vendor and reason are in the delivery log',
  },
  AuthenticationFailures: {
    unit: 'Count',
    dimensions: ['vendor'],
    description:
      'Deliveries refused as not proved genuine (credential, signature or source address), per vendor for its alarm',
  },
  MissingCredentials: {
    unit: 'Count',
    dimensions: [],
    description: 'Deliveries refused because the vendor’s secret holds no credentials',
  },
  EventsPublished: {
    unit: 'Count',
    dimensions: [],
    description: 'Events EventBridge accepted (out-of-order ones included)',
  },
  DuplicateEvents: {
    unit: 'Count',
    dimensions: [],
    description: 'Events skipped because they were already published',
  },
  OutOfOrderEvents: {
    unit: 'Count',
    dimensions: [],
    description: 'Published events older than their subject’s state (`outOfOrder: true`)',
  },
  PublishFailures: {
    unit: 'Count',
    dimensions: [],
    description: 'Events EventBridge did not accept; their records are retried',
  },
  PayloadsOmitted: {
    unit: 'Count',
    dimensions: [],
    description: 'Events published without their payload because the entry was too large',
  },
  LagFromEventTime: {
    unit: 'Milliseconds',
    dimensions: [],
    description: 'From the vendor’s event time (`occurredAt`) to publication',
  },
  LagFromReceipt: {
    unit: 'Milliseconds',
    dimensions: [],
    description: 'From receipt by the API (`receivedAt`) to publication',
  },
  RecordFailures: {
    unit: 'Count',
    dimensions: ['reason'],
    description: 'Queue records that failed and return to the queue, by error code',
  },
  TokenRequests: {
    unit: 'Count',
    dimensions: ['outcome', 'reason'],
    description: 'Ondato token requests by outcome (issued, refused, failed) and reason code',
  },
} as const satisfies Readonly<Record<string, MetricDefinition>>;

export type MetricName = keyof typeof METRICS;

/** The dimension values a metric needs: exactly its declared dimensions, nothing else. */
export type DimensionsOf<N extends MetricName> = {
  readonly [K in (typeof METRICS)[N]['dimensions'][number]]: string;
};

/**
 * The metrics port: handlers record values, the composition root decides where they go
 * (Powertools EMF in Lambda, nowhere locally, an array in tests).
 */
export interface MetricRecorder {
  record<N extends MetricName>(name: N, value: number, dimensions: DimensionsOf<N>): void;
}

/** Records nothing: the default, so handlers and tests that do not care need no recorder. */
export const NO_METRICS: MetricRecorder = { record: () => undefined };

/** The `reason` of an outcome that has none (an accepted delivery, an issued token). */
export const NO_REASON = 'none';

/** The `vendor` when no vendor could be told from the request (an unknown route). */
export const UNKNOWN_VENDOR = 'unknown';

/** The `reason` of a failure that was not one of our own error codes. */
export const UNEXPECTED_ERROR = 'unexpected_error';

/**
 * A vendor whose secret holds no credentials refuses every delivery with this reason: one cause
 * with one fix, whatever the volume, so it has a metric and an alarm of its own rather than
 * counting as an authentication failure (right after a first deploy every vendor is in this
 * state, and an alarm per vendor saying "authentication failures" would hide what to do).
 */
export const NO_CREDENTIALS_REASON = 'no_credentials_configured' satisfies IngestReason;

/**
 * Refusal reasons that mean "not proved genuine": a wrong or missing credential or signature, no
 * credentials configured, or a source address outside the allow-list. A burst of these is either
 * a credential rotation gone wrong or someone probing the endpoint: each but
 * `NO_CREDENTIALS_REASON` counts as one of its vendor's `AuthenticationFailures`.
 */
export const AUTHENTICATION_FAILURE_REASONS: readonly IngestReason[] = [
  ...(Object.keys(REJECTION_KINDS) as RejectionReason[]).filter(
    (reason) => REJECTION_KINDS[reason] === 'unauthenticated',
  ),
  'ip_not_allowed',
];
