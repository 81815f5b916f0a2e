import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IConstruct } from 'constructs';
import { RUNTIME_DEFAULTS, type RuntimeSettings } from '../lambdas/runtime/env.js';
import { DEFAULT_ROUTE_THROTTLE, THROTTLE_BOUNDS } from './constructs/ingest-api.js';
import { SYSTEM_LOG_LEVELS, type SystemLogLevelName } from './constructs/node-function.js';
import type { RouteThrottle } from './constructs/ingest-api.js';
import { REFUSED_BODY_DAYS } from './constructs/refused-body-bucket.js';
import {
  DEFAULT_PROCESSOR_MAX_CONCURRENCY,
  PROCESSOR_MAX_CONCURRENCY_BOUNDS,
} from './constructs/processor.js';

/** The `cdk.json` context key that holds the whole deployment configuration. */
export const CONFIG_CONTEXT_KEY = 'kycWebhooks';

/** The context key naming the stage to deploy: `npx cdk deploy -c stage=staging`. */
export const STAGE_CONTEXT_KEY = 'stage';

/**
 * A stage name ends the stack name and every fixed resource name (`kyc-webhooks-staging`), so it
 * is short, lower-case and valid in all of them.
 */
const STAGE_NAME = /^[a-z][a-z0-9-]{0,19}$/;

/**
 * What an operator may change per deployment; everything else is a fixed default. The settings
 * the functions act on (`retentionDays`, `includePayload`, `secretMaxAgeSeconds`) default to
 * `RUNTIME_DEFAULTS`.
 */
export interface KycWebhooksConfig extends RuntimeSettings {
  /** Ids of the vendors to deploy, in registry order. @default every registered vendor */
  readonly vendors: readonly string[];
  /** Days the event bus archive keeps events; 0 keeps them forever. @default `retentionDays` */
  readonly archiveRetentionDays: number;
  /** CloudWatch Logs retention for functions and API access logs. @default 30 */
  readonly logRetentionDays: RetentionDays;
  /** Where alarm notifications go; `null` creates no e-mail subscription. @default null */
  readonly alarmEmail: string | null;
  /** An existing SNS topic every alarm also notifies (chat, paging). @default null */
  readonly alarmTopicArn: string | null;
  /** Each API route's own request limits. @default rate 50, burst 100 on every vendor route */
  readonly throttle: ThrottleConfig;
  /** Processor instances the queue may run at once. @default DEFAULT_PROCESSOR_MAX_CONCURRENCY */
  readonly processorMaxConcurrency: number;
  /** Concurrency reserved for each ingest function; `null` reserves none. @default null */
  readonly ingestReservedConcurrency: number | null;
  /**
   * The Lambda platform records the ingest functions keep. Each runs once per delivery, and at
   * `INFO` Lambda writes a start and a report record for every one (≈410 B, about as much as the
   * delivery line itself); `WARN` keeps neither. A cold start's lines say `cold_start: true`;
   * set `INFO` to read memory use and init durations from the report records.
   * The other functions run once per batch or rarely and keep `INFO`. @default 'WARN'
   */
  readonly ingestSystemLogLevel: SystemLogLevelName;
  /**
   * Customer-managed KMS key for the table, the queues, the bus and its archive: `true` creates
   * one in the stack, a key ARN uses that key, `false` keeps AWS-managed encryption.
   * @default false
   */
  readonly kmsKey: boolean | string;
  /** X-Ray active tracing on every function, and the Lambda request id in the access log. @default false */
  readonly tracing: boolean;
  /** A custom domain for the API. @default null (the execute-api URL only) */
  readonly customDomain: CustomDomainConfig | null;
  /**
   * Keep the bodies ingest refuses, for diagnosis, this many days (1 to 7) in an encrypted
   * bucket; `null` keeps none. @default null
   */
  readonly keepRefusedBodies: { readonly days: number } | null;
  /**
   * Keep the table's ALL-projected `bySubject` index, which items written before `byLookupKey`
   * are found by: `true` for a stack deployed before it, until `retentionDays` after the deploy
   * that added `byLookupKey` (README, Upgrading). @default false
   */
  readonly legacySubjectIndex: boolean;
}

/** A regional custom domain for the webhook API; DNS is the operator's. */
export interface CustomDomainConfig {
  /** e.g. `webhooks.example.com`. */
  readonly domainName: string;
  /** An ACM certificate for that name, in the stack's Region. */
  readonly certificateArn: string;
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

const DEFAULTS: Omit<KycWebhooksConfig, 'vendors' | 'archiveRetentionDays'> = {
  ...RUNTIME_DEFAULTS,
  logRetentionDays: RetentionDays.ONE_MONTH,
  alarmEmail: null,
  alarmTopicArn: null,
  throttle: { default: DEFAULT_ROUTE_THROTTLE, vendors: {} },
  processorMaxConcurrency: DEFAULT_PROCESSOR_MAX_CONCURRENCY,
  ingestReservedConcurrency: null,
  ingestSystemLogLevel: 'WARN',
  kmsKey: false,
  tracing: false,
  customDomain: null,
  keepRefusedBodies: null,
  legacySubjectIndex: false,
};

/** Keys of one deployment's block: the base block, or one stage's. */
const SETTING_KEYS: readonly string[] = [
  'vendors',
  'archiveRetentionDays',
  ...Object.keys(DEFAULTS),
];
/** The base block may also hold the stages. */
const KNOWN_KEYS: readonly string[] = [...SETTING_KEYS, 'stages'];

// CloudWatch Logs accepts only these values; RetentionDays.INFINITE is a CDK sentinel, not one.
const LOG_RETENTION_VALUES: readonly number[] = Object.values(RetentionDays).filter(
  (value): value is number => typeof value === 'number' && value !== RetentionDays.INFINITE,
);

const PREFIX = `Invalid "${CONFIG_CONTEXT_KEY}" context: `;

class ConfigError extends Error {}

/**
 * Reads the configuration from the construct tree's context (cdk.json or `-c`), for `stage` when
 * one is given (`-c stage=…`).
 */
export function readConfig(
  scope: IConstruct,
  registeredVendors: readonly string[],
  stage?: string,
): KycWebhooksConfig {
  return parseConfig(scope.node.tryGetContext(CONFIG_CONTEXT_KEY), registeredVendors, stage);
}

/**
 * The stage named by the `stage` context (`-c stage=staging`), or `undefined` for the default
 * deployment. Fails unless it is a plain stage name.
 */
export function readStage(scope: IConstruct): string | undefined {
  const value: unknown = scope.node.tryGetContext(STAGE_CONTEXT_KEY);
  if (value === undefined) return undefined;
  return validateStageName(value);
}

function validateStageName(value: unknown): string {
  if (typeof value !== 'string' || !STAGE_NAME.test(value)) {
    throw new ConfigError(
      `Invalid "${STAGE_CONTEXT_KEY}" context: expected a stage name of 1 to 20 lower-case ` +
        `letters, digits and hyphens starting with a letter, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/**
 * Validates raw context into a config, failing on the first problem with a message that says
 * what was expected. Unknown keys fail too, so a misspelt setting never silently falls back.
 *
 * A stage's block under `stages.<name>` replaces the base block's keys it sets, each whole (a
 * stage's `throttle` replaces the base `throttle`). Every declared stage is validated on every
 * synth, so a mistake in one fails before that stage is deployed; a stage not declared fails.
 */
export function parseConfig(
  raw: unknown,
  registeredVendors: readonly string[],
  stage?: string,
): KycWebhooksConfig {
  const input = toObject(raw);
  rejectUnknownKeys(input, KNOWN_KEYS, '');
  const { stages: rawStages, ...base } = input;
  const stages = readStages(rawStages);
  const baseConfig = parseBlock(base, registeredVendors);
  const stageConfigs = new Map<string, KycWebhooksConfig>();
  for (const [name, block] of stages) {
    stageConfigs.set(
      name,
      withinStage(name, () => {
        rejectUnknownKeys(block, SETTING_KEYS, '');
        const config = parseBlock({ ...base, ...block }, registeredVendors);
        rejectSharedDomain(config, baseConfig);
        return config;
      }),
    );
  }
  if (stage === undefined) return baseConfig;
  const name = validateStageName(stage);
  const config = stageConfigs.get(name);
  if (config === undefined) {
    const declared = [...stages.keys()];
    fail(
      `stage "${name}" is not declared; add "stages": {"${name}": {…}} (its settings over the ` +
        `base block, {} for none)` +
        (declared.length > 0 ? `, or use one of ${declared.join(', ')}` : ''),
    );
  }
  return config;
}

function parseBlock(
  input: Record<string, unknown>,
  registeredVendors: readonly string[],
): KycWebhooksConfig {
  const retentionDays = readInteger(input, 'retentionDays', 1, 36_500, DEFAULTS.retentionDays);
  return {
    vendors: readVendors(input['vendors'], registeredVendors),
    retentionDays,
    includePayload: readBoolean(input, 'includePayload', DEFAULTS.includePayload),
    secretMaxAgeSeconds: readInteger(
      input,
      'secretMaxAgeSeconds',
      0,
      3_600,
      DEFAULTS.secretMaxAgeSeconds,
    ),
    // Archived events are the same events: by default they live exactly as long.
    archiveRetentionDays: readInteger(input, 'archiveRetentionDays', 0, 36_500, retentionDays),
    logRetentionDays: readLogRetention(input['logRetentionDays']),
    alarmEmail: readEmail(input['alarmEmail']),
    alarmTopicArn: readTopicArn(input['alarmTopicArn']),
    throttle: readThrottle(input['throttle'], registeredVendors),
    processorMaxConcurrency: readInteger(
      input,
      'processorMaxConcurrency',
      PROCESSOR_MAX_CONCURRENCY_BOUNDS.min,
      PROCESSOR_MAX_CONCURRENCY_BOUNDS.max,
      DEFAULTS.processorMaxConcurrency,
    ),
    ingestReservedConcurrency: readOptionalInteger(input, 'ingestReservedConcurrency', 1, 1_000),
    ingestSystemLogLevel: readSystemLogLevel(input['ingestSystemLogLevel']),
    kmsKey: readKmsKey(input['kmsKey']),
    tracing: readBoolean(input, 'tracing', DEFAULTS.tracing),
    customDomain: readCustomDomain(input['customDomain']),
    keepRefusedBodies: readKeepRefusedBodies(input['keepRefusedBodies']),
    legacySubjectIndex: readBoolean(input, 'legacySubjectIndex', DEFAULTS.legacySubjectIndex),
  };
}

function fail(problem: string): never {
  throw new ConfigError(`${PREFIX}${problem}`);
}

/** Runs `parse` on a stage's block, naming the stage in any error. */
function withinStage<T>(name: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (!(error instanceof ConfigError) || !error.message.startsWith(PREFIX)) throw error;
    throw new ConfigError(`${PREFIX}"stages.${name}": ${error.message.slice(PREFIX.length)}`);
  }
}

function rejectUnknownKeys(
  input: Record<string, unknown>,
  known: readonly string[],
  where: string,
): void {
  const unknown = Object.keys(input).filter((key) => !known.includes(key));
  if (unknown.length > 0) {
    fail(`${where}has unknown key(s) ${unknown.join(', ')}; expected only ${known.join(', ')}`);
  }
}

function readStages(value: unknown): ReadonlyMap<string, Record<string, unknown>> {
  const stages = new Map<string, Record<string, unknown>>();
  if (value === undefined) return stages;
  if (!isRecord(value)) {
    fail(`"stages": expected an object such as {"staging": {"retentionDays": 30}}`);
  }
  for (const [name, block] of Object.entries(value)) {
    if (!STAGE_NAME.test(name)) {
      fail(
        `"stages": ${JSON.stringify(name)} is not a stage name (1 to 20 lower-case letters, ` +
          'digits and hyphens, starting with a letter)',
      );
    }
    if (!isRecord(block)) {
      fail(`"stages.${name}": expected an object of settings, got ${JSON.stringify(block)}`);
    }
    stages.set(name, block);
  }
  return stages;
}

/** A domain name belongs to one API: a stage inheriting the base's would fail to deploy. */
function rejectSharedDomain(config: KycWebhooksConfig, base: KycWebhooksConfig): void {
  if (
    config.customDomain !== null &&
    config.customDomain.domainName === base.customDomain?.domainName
  ) {
    fail(
      `"customDomain": ${config.customDomain.domainName} is the base deployment's; give the ` +
        'stage its own customDomain, or null',
    );
  }
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
  key: string,
  min: number,
  max: number,
  fallback: number,
): number {
  const value = input[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(`"${key}": expected an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function readOptionalInteger(
  input: Record<string, unknown>,
  key: string,
  min: number,
  max: number,
): number | null {
  const value = input[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(
      `"${key}": expected null or an integer from ${min} to ${max}, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

function readBoolean(input: Record<string, unknown>, key: string, fallback: boolean): boolean {
  const value = input[key];
  if (value === undefined) return fallback;
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

function readSystemLogLevel(value: unknown): SystemLogLevelName {
  if (value === undefined) return DEFAULTS.ingestSystemLogLevel;
  if (!SYSTEM_LOG_LEVELS.includes(value as SystemLogLevelName)) {
    fail(
      `"ingestSystemLogLevel": expected one of ${SYSTEM_LOG_LEVELS.join(', ')}, got ${JSON.stringify(value)}`,
    );
  }
  return value as SystemLogLevelName;
}

function readEmail(value: unknown): string | null {
  if (value === undefined || value === null) return DEFAULTS.alarmEmail;
  if (typeof value !== 'string' || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)) {
    fail(`"alarmEmail": expected an e-mail address or null, got ${JSON.stringify(value)}`);
  }
  return value;
}

// Standard topics only: a FIFO topic (`….fifo`) cannot be an alarm action.
const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;

function readTopicArn(value: unknown): string | null {
  if (value === undefined || value === null) return DEFAULTS.alarmTopicArn;
  if (typeof value !== 'string' || !SNS_TOPIC_ARN.test(value)) {
    fail(
      '"alarmTopicArn": expected null or a standard SNS topic ARN such as ' +
        `arn:aws:sns:eu-west-1:111122223333:kyc-alarms, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

// A key ARN, not an alias: grants and key policies name the key itself.
const KMS_KEY_ARN =
  /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/;

function readKmsKey(value: unknown): boolean | string {
  if (value === undefined) return DEFAULTS.kmsKey;
  if (typeof value === 'boolean') return value;
  if (typeof value !== 'string' || !KMS_KEY_ARN.test(value)) {
    fail(
      '"kmsKey": expected false, true (a key created in the stack) or a KMS key ARN such as ' +
        'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab, got ' +
        JSON.stringify(value),
    );
  }
  return value;
}

function readKeepRefusedBodies(value: unknown): { readonly days: number } | null {
  if (value === undefined || value === null) return DEFAULTS.keepRefusedBodies;
  const { min, max } = REFUSED_BODY_DAYS;
  const expected = `expected null or {"days": N} with N from ${min} to ${max}`;
  if (!isRecord(value)) fail(`"keepRefusedBodies": ${expected}, got ${JSON.stringify(value)}`);
  rejectUnknownKeys(value, ['days'], '"keepRefusedBodies" ');
  const { days } = value;
  if (typeof days !== 'number' || !Number.isInteger(days) || days < min || days > max) {
    fail(`"keepRefusedBodies": ${expected}, got ${JSON.stringify(value)}`);
  }
  return { days };
}

const DOMAIN_NAME = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const CERTIFICATE_ARN =
  /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const DOMAIN_EXAMPLE =
  '{"domainName": "webhooks.example.com", "certificateArn": "arn:aws:acm:eu-west-1:…"}';

function readCustomDomain(value: unknown): CustomDomainConfig | null {
  if (value === undefined || value === null) return DEFAULTS.customDomain;
  if (!isRecord(value)) {
    fail(`"customDomain": expected null or ${DOMAIN_EXAMPLE}, got ${JSON.stringify(value)}`);
  }
  rejectUnknownKeys(value, ['domainName', 'certificateArn'], '"customDomain": ');
  const { domainName, certificateArn } = value;
  if (typeof domainName !== 'string' || !DOMAIN_NAME.test(domainName)) {
    fail(
      `"customDomain.domainName": expected a lower-case domain name such as ` +
        `webhooks.example.com, got ${JSON.stringify(domainName)}`,
    );
  }
  if (typeof certificateArn !== 'string' || !CERTIFICATE_ARN.test(certificateArn)) {
    fail(
      `"customDomain.certificateArn": expected an ACM certificate ARN, got ` +
        JSON.stringify(certificateArn),
    );
  }
  return { domainName, certificateArn };
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
