import type { IngestReason } from '../ingest/ingest-delivery.js';
import { REJECTION_KINDS, type RejectionReason } from '../core/vendor.js';

/**
 * Every metric the functions emit, with its unit and dimensions. Shared with the CDK stack (like
 * `ENV`), so the alarms and the dashboard address exactly what the functions publish.
 *
 * Dimensions are closed sets only: vendor ids from the registry, outcome words and reason codes.
 * Never an eventId, a subject id, a request id or anything from a body: each distinct value
 * becomes a separate CloudWatch metric, billed and kept for 15 months.
 */
export type DimensionName = 'vendor' | 'outcome' | 'reason';

export type MetricUnit = 'Count' | 'Bytes' | 'Milliseconds';

export interface MetricDefinition {
  readonly unit: MetricUnit;
  readonly dimensions: readonly DimensionName[];
  /**
   * Subsets of `dimensions` the value is also published under, so a graph can show totals
   * without summing every combination of the dimensions left out. @default none
   */
  readonly rollups?: readonly (readonly DimensionName[])[];
  /** For the README's metrics table and the dashboard. */
  readonly description: string;
}

export const METRICS = {
  Deliveries: {
    unit: 'Count',
    dimensions: ['vendor', 'outcome', 'reason'],
    rollups: [['vendor', 'outcome']],
    description:
      'Webhook deliveries by outcome (accepted, refused, failed) and reason code (none when accepted)',
  },
  DeliveryBodyBytes: {
    unit: 'Bytes',
    dimensions: ['vendor', 'outcome'],
    description: 'Size of each delivery body as received',
  },
  EventsPublished: {
    unit: 'Count',
    dimensions: ['vendor'],
    description: 'Events EventBridge accepted (out-of-order ones included)',
  },
  DuplicateEvents: {
    unit: 'Count',
    dimensions: ['vendor'],
    description: 'Events skipped because they were already published',
  },
  OutOfOrderEvents: {
    unit: 'Count',
    dimensions: ['vendor'],
    description: 'Published events older than their subject’s state (`outOfOrder: true`)',
  },
  PublishFailures: {
    unit: 'Count',
    dimensions: ['vendor'],
    description: 'Events EventBridge did not accept; their records are retried',
  },
  PayloadsOmitted: {
    unit: 'Count',
    dimensions: ['vendor'],
    description: 'Events published without their payload because the entry was too large',
  },
  LagFromEventTime: {
    unit: 'Milliseconds',
    dimensions: ['vendor'],
    description: 'From the vendor’s event time (`occurredAt`) to publication',
  },
  LagFromReceipt: {
    unit: 'Milliseconds',
    dimensions: ['vendor'],
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
 * Refusal reasons that mean "not proved genuine": a wrong or missing credential or signature, no
 * credentials configured, or a source address outside the allow-list. A burst of these is either
 * a credential rotation gone wrong or someone probing the endpoint; the alarm sums them.
 */
export const AUTHENTICATION_FAILURE_REASONS: readonly IngestReason[] = [
  ...(Object.keys(REJECTION_KINDS) as RejectionReason[]).filter(
    (reason) => REJECTION_KINDS[reason] === 'unauthenticated',
  ),
  'ip_not_allowed',
];
