import { ConfigurationError } from '../core/errors.js';

/** Environment variable names, shared with the CDK stack so both sides agree. */
export const ENV = {
  vendor: 'KYC_VENDOR',
  secretId: 'KYC_SECRET_ID',
  secretMaxAgeSeconds: 'KYC_SECRET_MAX_AGE_SECONDS',
  queueUrl: 'KYC_QUEUE_URL',
  tableName: 'KYC_TABLE_NAME',
  eventBusName: 'KYC_EVENT_BUS_NAME',
  includePayload: 'KYC_INCLUDE_PAYLOAD',
  retentionDays: 'KYC_RETENTION_DAYS',
  tokenTtlSeconds: 'KYC_TOKEN_TTL_SECONDS',
  /** The bucket ingest keeps refused bodies in; unset: they are not kept. */
  refusedBodiesBucket: 'KYC_REFUSED_BODIES_BUCKET',
  /** The ingest queue's redrive `maxReceiveCount`, so the processor knows a last receive. */
  maxReceiveCount: 'KYC_MAX_RECEIVE_COUNT',
  /** JSON `{"<vendor>": "<secret ARN>"}`: the secrets a function reads for several vendors. */
  secretIds: 'KYC_SECRET_IDS',
  resultsBucket: 'KYC_RESULTS_BUCKET',
  /** The KMS key results are written under; unset: S3-managed keys. */
  resultsKeyId: 'KYC_RESULTS_KEY_ID',
  openSubjectsTable: 'KYC_OPEN_SUBJECTS_TABLE',
} as const;

/**
 * The settings a deployment chooses that the functions act on (README, Configuration). The
 * stack's configuration (`lib/config.ts`) holds them, sets them as the variables above and reports
 * them in its `Settings` output for the operator CLI (`lib/outputs.ts`).
 */
export interface RuntimeSettings {
  /** Days a stored event lives in DynamoDB before its TTL removes it. */
  readonly retentionDays: number;
  /** Whether published events carry the vendor payload (off = data minimisation). */
  readonly includePayload: boolean;
  /** How long a function caches its vendor secret; bounds how long a rotation takes. */
  readonly secretMaxAgeSeconds: number;
}

/**
 * The one place these defaults are written: `lib/config.ts` starts from them, and a handler falls
 * back to them only when run outside the stack (which always sets the variable).
 */
export const RUNTIME_DEFAULTS: RuntimeSettings = {
  retentionDays: 90,
  includePayload: true,
  secretMaxAgeSeconds: 300,
};

type Source = Readonly<Record<string, string | undefined>>;

/** Reads a required variable at cold start; a missing one fails fast with its name. */
export function requireEnv(name: string, source: Source = process.env): string {
  const value = source[name];
  if (value === undefined || value === '') {
    throw new ConfigurationError(`Environment variable ${name} is required`);
  }
  return value;
}

export function numberEnv(name: string, fallback: number, source: Source = process.env): number {
  const raw = source[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    throw new ConfigurationError(`Environment variable ${name} must be a non-negative number`);
  }
  return value;
}

export function booleanEnv(name: string, fallback: boolean, source: Source = process.env): boolean {
  const raw = source[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw !== 'true' && raw !== 'false') {
    throw new ConfigurationError(`Environment variable ${name} must be "true" or "false"`);
  }
  return raw === 'true';
}
