import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IConstruct } from 'constructs';
import { RUNTIME_DEFAULTS, type RuntimeSettings } from '../lambdas/runtime/env.js';
import { DEFAULT_ROUTE_THROTTLE, THROTTLE_BOUNDS } from './constructs/ingest-api.js';
import type { RouteThrottle } from './constructs/ingest-api.js';

/** The `cdk.json` context key that holds the whole deployment configuration. */
export const CONFIG_CONTEXT_KEY = 'kycWebhooks';

/**
 * What an operator may change per deployment; everything else is a fixed default. The settings
 * the functions act on (`retentionDays`, `includePayload`, `secretMaxAgeSeconds`) default to
 * `RUNTIME_DEFAULTS`.
 */
export interface KycWebhooksConfig extends RuntimeSettings {
  /** Ids of the vendors to deploy, in registry order. @default every registered vendor */
  readonly vendors: readonly string[];
  /** Days the event bus archive keeps events; 0 keeps them forever. @default 365 */
  readonly archiveRetentionDays: number;
  /** CloudWatch Logs retention for functions and API access logs. @default 30 */
  readonly logRetentionDays: RetentionDays;
  /** Where alarm notifications go; `null` creates alarms without a topic. @default null */
  readonly alarmEmail: string | null;
  /** Each API route's own request limits. @default rate 50, burst 100 on every vendor route */
  readonly throttle: ThrottleConfig;
}

/**
 * Read from `{"default": {"rateLimit": 50, "burstLimit": 100}, "idwise": {"burstLimit": 200}}`:
 * a vendor's entry overrides the default on each of its routes, and a limit it leaves out is
 * the default's.
 */
export interface ThrottleConfig {
  /** Limits of each route of a vendor without an entry. @default DEFAULT_ROUTE_THROTTLE */
  readonly default: RouteThrottle;
  /** Complete limits of the vendors that have an entry, keyed by vendor id. @default {} */
  readonly vendors: Readonly<Record<string, RouteThrottle>>;
}

const DEFAULTS: Omit<KycWebhooksConfig, 'vendors'> = {
  ...RUNTIME_DEFAULTS,
  archiveRetentionDays: 365,
  logRetentionDays: RetentionDays.ONE_MONTH,
  alarmEmail: null,
  throttle: { default: DEFAULT_ROUTE_THROTTLE, vendors: {} },
};

const KNOWN_KEYS: readonly string[] = ['vendors', ...Object.keys(DEFAULTS)];

// CloudWatch Logs accepts only these values; RetentionDays.INFINITE is a CDK sentinel, not one.
const LOG_RETENTION_VALUES: readonly number[] = Object.values(RetentionDays).filter(
  (value): value is number => typeof value === 'number' && value !== RetentionDays.INFINITE,
);

/** Reads the configuration from the construct tree's context (cdk.json or `-c`). */
export function readConfig(
  scope: IConstruct,
  registeredVendors: readonly string[],
): KycWebhooksConfig {
  return parseConfig(scope.node.tryGetContext(CONFIG_CONTEXT_KEY), registeredVendors);
}

/**
 * Validates raw context into a config, failing on the first problem with a message that says
 * what was expected. Unknown keys fail too, so a misspelt setting never silently falls back.
 */
export function parseConfig(raw: unknown, registeredVendors: readonly string[]): KycWebhooksConfig {
  const input = toObject(raw);
  const unknown = Object.keys(input).filter((key) => !KNOWN_KEYS.includes(key));
  if (unknown.length > 0) {
    fail(`has unknown key(s) ${unknown.join(', ')}; expected only ${KNOWN_KEYS.join(', ')}`);
  }
  return {
    vendors: readVendors(input['vendors'], registeredVendors),
    retentionDays: readInteger(input, 'retentionDays', 1, 36_500),
    includePayload: readBoolean(input, 'includePayload'),
    secretMaxAgeSeconds: readInteger(input, 'secretMaxAgeSeconds', 0, 3_600),
    archiveRetentionDays: readInteger(input, 'archiveRetentionDays', 0, 36_500),
    logRetentionDays: readLogRetention(input['logRetentionDays']),
    alarmEmail: readEmail(input['alarmEmail']),
    throttle: readThrottle(input['throttle'], registeredVendors),
  };
}

function fail(problem: string): never {
  throw new Error(`Invalid "${CONFIG_CONTEXT_KEY}" context: ${problem}`);
}

function toObject(raw: unknown): Record<string, unknown> {
  if (raw === undefined || raw === null) return {};
  // `cdk synth -c kycWebhooks='{…}'` passes the value as a string.
  const value: unknown = typeof raw === 'string' ? parseJson(raw) : raw;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail('expected an object such as {"vendors": ["treezor"], "retentionDays": 90}');
  }
  return value as Record<string, unknown>;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return fail('expected a JSON object, got a string that is not JSON');
  }
}

function readVendors(value: unknown, registered: readonly string[]): readonly string[] {
  if (value === undefined) return [...registered];
  const expected = `expected a non-empty list of vendor ids from: ${registered.join(', ')}`;
  if (!Array.isArray(value) || value.length === 0) fail(`"vendors": ${expected}`);
  const ids: unknown[] = value;
  for (const id of ids) {
    if (typeof id !== 'string' || !registered.includes(id)) {
      fail(`"vendors": ${JSON.stringify(id)} is not a registered vendor; ${expected}`);
    }
  }
  const unique = new Set(ids);
  if (unique.size !== ids.length) fail(`"vendors": lists a vendor twice; ${expected}`);
  // Registry order keeps construct order, and so the template, independent of the list order.
  return registered.filter((id) => unique.has(id));
}

function readInteger(
  input: Record<string, unknown>,
  key: 'retentionDays' | 'secretMaxAgeSeconds' | 'archiveRetentionDays',
  min: number,
  max: number,
): number {
  const value = input[key];
  if (value === undefined) return DEFAULTS[key];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(`"${key}": expected an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function readBoolean(input: Record<string, unknown>, key: 'includePayload'): boolean {
  const value = input[key];
  if (value === undefined) return DEFAULTS[key];
  if (typeof value !== 'boolean') {
    fail(`"${key}": expected true or false, got ${JSON.stringify(value)}`);
  }
  return value;
}

function readLogRetention(value: unknown): RetentionDays {
  if (value === undefined) return DEFAULTS.logRetentionDays;
  if (typeof value !== 'number' || !LOG_RETENTION_VALUES.includes(value)) {
    fail(
      `"logRetentionDays": expected one of ${LOG_RETENTION_VALUES.join(', ')}, got ${JSON.stringify(value)}`,
    );
  }
  return value as RetentionDays;
}

function readEmail(value: unknown): string | null {
  if (value === undefined || value === null) return DEFAULTS.alarmEmail;
  if (typeof value !== 'string' || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)) {
    fail(`"alarmEmail": expected an e-mail address or null, got ${JSON.stringify(value)}`);
  }
  return value;
}

const THROTTLE_EXAMPLE = '{"rateLimit": 50, "burstLimit": 100}';

function readThrottle(value: unknown, registered: readonly string[]): ThrottleConfig {
  if (value === undefined) return DEFAULTS.throttle;
  const keys = `"default" or a registered vendor id (${registered.join(', ')})`;
  if (!isRecord(value)) {
    fail(`"throttle": expected an object whose keys are ${keys}, got ${JSON.stringify(value)}`);
  }
  const unknown = Object.keys(value).filter(
    (key) => key !== 'default' && !registered.includes(key),
  );
  if (unknown.length > 0) {
    fail(`"throttle": has unknown key(s) ${unknown.join(', ')}; expected ${keys}`);
  }
  const base = readRouteThrottle('default', value['default'], DEFAULTS.throttle.default);
  const vendors: Record<string, RouteThrottle> = {};
  for (const id of registered) {
    if (value[id] !== undefined) vendors[id] = readRouteThrottle(id, value[id], base);
  }
  return { default: base, vendors };
}

function readRouteThrottle(key: string, value: unknown, base: RouteThrottle): RouteThrottle {
  if (value === undefined) return base;
  if (!isRecord(value)) {
    fail(
      `"throttle.${key}": expected an object such as ${THROTTLE_EXAMPLE}, got ${JSON.stringify(value)}`,
    );
  }
  const fields = Object.keys(THROTTLE_BOUNDS);
  const unknown = Object.keys(value).filter((field) => !fields.includes(field));
  if (unknown.length > 0) {
    fail(
      `"throttle.${key}": has unknown key(s) ${unknown.join(', ')}; expected only ${fields.join(', ')}`,
    );
  }
  return {
    rateLimit: readLimit(key, value, 'rateLimit', base),
    burstLimit: readLimit(key, value, 'burstLimit', base),
  };
}

function readLimit(
  key: string,
  input: Record<string, unknown>,
  field: keyof RouteThrottle,
  base: RouteThrottle,
): number {
  const value = input[field];
  if (value === undefined) return base[field];
  const { min, max } = THROTTLE_BOUNDS[field];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(
      `"throttle.${key}.${field}": expected an integer from ${min} to ${max}, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
