import { ACCESS_LOG_FIELDS } from '../lib/constructs/ingest-api.js';
import { describeDeployment, type Deployment } from './deployment.js';
import { formatQuantity } from './report.js';
import { GB, PRICES, type Price } from './prices.js';
import type { DeliveryUsage } from './usage.js';

/**
 * Cost per million webhooks from the measured requests, units, sizes and log lines per delivery
 * and the list prices in prices.ts. Everything not measured is an assumption stated here.
 */

export const ASSUMPTIONS = {
  /** lib/constructs/ingest-api.ts and processor.ts. */
  ingestMemoryGb: 256 / 1024,
  processorMemoryGb: 512 / 1024,
  /**
   * Billed durations on AWS, assumed: ingest is one SQS SendMessage round trip (~10–20 ms
   * in-region) plus the handler; a processor invocation is a few sequential DynamoDB calls per
   * record (in parallel across records) and one PutEvents call: a base plus a share per record,
   * 150 ms for a batch of 10. Local figures are beside them.
   */
  ingestMs: 30,
  processorBaseMs: 50,
  processorRecordMs: 10,
  /** Months an archive set to keep events forever (0) is counted for. */
  foreverMonths: 12,
  /** DynamoDB adds 100 bytes of overhead per item, and per index entry, for storage. */
  storageOverheadBytes: 100,
  /** CloudWatch Logs counts 26 bytes per log event beside the message (PutLogEvents sizing). */
  logEventOverheadBytes: 26,
  /** The traffic of the monthly figure. */
  monthlyWebhooks: 100_000,
} as const;

let described: Deployment | undefined;
/**
 * The default deployment the model prices, its retention settings and fixed resources:
 * synthesized when first asked for (it takes seconds), not when the bench is loaded.
 */
function deployment(): Deployment {
  described ??= describeDeployment();
  return described;
}
const months = (days: number): number => (days === 0 ? ASSUMPTIONS.foreverMonths : days / 30);
/** Months the default deployment keeps events, archived events and logs. */
export function retentionMonths(): {
  readonly table: number;
  readonly archive: number;
  readonly logs: number;
} {
  const { retentionDays, archiveRetentionDays, logRetentionDays } = deployment();
  return {
    table: months(retentionDays),
    archive: months(archiveRetentionDays),
    logs: months(logRetentionDays),
  };
}

/**
 * Lambda's own records per invocation in the JSON log format (platform.start and
 * platform.report), representative shapes: not captured here, since no Lambda runtime runs. A
 * function whose system log level is `WARN` keeps neither.
 */
const PLATFORM_LINES = [
  '{"time":"2026-06-01T12:00:00.000Z","type":"platform.start","record":{"requestId":"6f7f0961-4a0e-4d8d-9d4e-5f7b2d0e3a11","version":"$LATEST"}}',
  '{"time":"2026-06-01T12:00:00.030Z","type":"platform.report","record":{"requestId":"6f7f0961-4a0e-4d8d-9d4e-5f7b2d0e3a11","metrics":{"durationMs":28.51,"billedDurationMs":29,"memorySizeMB":256,"maxMemoryUsedMB":92},"status":"success"}}',
];

/** Lambda's system log level of the ingest functions and of the processor, as deployed. */
export function systemLogLevels(): Deployment['systemLogLevels'] {
  return deployment().systemLogLevels;
}

/** Platform record bytes per invocation of a function at `systemLogLevel`. */
function platformBytes(systemLogLevel: string): number {
  return systemLogLevel === 'WARN' ? 0 : logBytes(PLATFORM_LINES);
}

/** Typical values of the access log's fields (ingest-api.ts) on an accepted delivery. */
const TYPICAL_ACCESS_LOG_VALUES: Readonly<Record<keyof typeof ACCESS_LOG_FIELDS, string>> = {
  requestId: 'Kx1abcDEFgHIJkL=',
  sourceIp: '203.0.113.10',
  routeKey: 'POST /webhooks/treezor',
  status: '200',
  responseLatency: '45',
  integrationStatus: '200',
  integrationLatency: '43',
  integrationError: '-',
  error: '-',
};

/** One API Gateway access-log line in the stack's format, typical values. */
const ACCESS_LOG_LINE = JSON.stringify(
  Object.fromEntries(
    Object.keys(ACCESS_LOG_FIELDS).map((field) => [
      field,
      TYPICAL_ACCESS_LOG_VALUES[field as keyof typeof ACCESS_LOG_FIELDS],
    ]),
  ),
);

const logBytes = (lines: readonly string[]): number =>
  lines.reduce(
    (sum, line) => sum + Buffer.byteLength(line) + 1 + ASSUMPTIONS.logEventOverheadBytes,
    0,
  );

export interface LogEstimate {
  readonly powertools: number;
  readonly platform: number;
  readonly accessLog: number;
  readonly total: number;
}

export function logBytesPerDelivery(u: DeliveryUsage): LogEstimate {
  const overhead = ASSUMPTIONS.logEventOverheadBytes;
  const powertools =
    u.logs.ingestBytes +
    u.logs.processorBytes +
    (u.logs.ingestLines + u.logs.processorLines) * overhead;
  const levels = systemLogLevels();
  const platform =
    platformBytes(levels.ingest) * u.invocations.ingest +
    platformBytes(levels.processor) * u.invocations.processor;
  const accessLog = logBytes([ACCESS_LOG_LINE]);
  return { powertools, platform, accessLog, total: powertools + platform + accessLog };
}

export interface CostLine {
  readonly item: string;
  readonly price: Price;
  /** Billed quantity per webhook, in the price's unit. */
  readonly quantity: (u: DeliveryUsage) => number;
  readonly describe: (u: DeliveryUsage) => string;
}

const n = (value: number, digits = 2): string =>
  Number.isInteger(value) ? String(value) : value.toFixed(digits);
export const bytes = (value: number): string => formatQuantity(value, 'bytes');

/** Table bytes: what point-in-time recovery bills (indexes are not backed up). */
function tableBytes(u: DeliveryUsage): number {
  const { eventItemBytes, subjectItemBytes, items } = u.dynamo;
  return eventItemBytes + subjectItemBytes + items * ASSUMPTIONS.storageOverheadBytes;
}

/** Table and index bytes: what storage bills. */
function storedBytes(u: DeliveryUsage): number {
  const { indexBytes, indexEntries } = u.dynamo;
  return tableBytes(u) + indexBytes + indexEntries * ASSUMPTIONS.storageOverheadBytes;
}

/** Processor milliseconds of one invocation with `batchSize` records. */
export function processorMs(batchSize: number): number {
  return ASSUMPTIONS.processorBaseMs + ASSUMPTIONS.processorRecordMs * batchSize;
}

/** Lambda GB-milliseconds per webhook: its ingest invocation and its share of a processor's. */
function computeGbMs(u: DeliveryUsage): number {
  return (
    u.invocations.ingest * ASSUMPTIONS.ingestMemoryGb * ASSUMPTIONS.ingestMs +
    u.invocations.processor * ASSUMPTIONS.processorMemoryGb * processorMs(u.batchSize)
  );
}

/** The cost lines, per webhook, of the default deployment. */
export function costLines(): readonly CostLine[] {
  const retention = retentionMonths();
  return [
    {
      item: 'API Gateway HTTP API',
      price: PRICES.apiGatewayHttp,
      quantity: () => 1,
      describe: () => '1 request',
    },
    {
      item: 'Lambda invocations (ingest + processor share)',
      price: PRICES.lambdaRequest,
      quantity: (u) => u.invocations.ingest + u.invocations.processor,
      describe: (u) => `${n(u.invocations.ingest)} + ${n(u.invocations.processor)}`,
    },
    {
      item: 'Lambda compute, arm64',
      price: PRICES.lambdaArmGbSecond,
      quantity: (u) => computeGbMs(u) / 1000,
      describe: (u) => `${computeGbMs(u).toFixed(1)} GB-ms`,
    },
    {
      item: 'SQS requests',
      price: PRICES.sqsRequest,
      quantity: (u) => u.sqs.billed,
      describe: (u) => `${n(u.sqs.billed)} (send ${n(u.sqs.send)}, receive/delete shares)`,
    },
    {
      item: 'DynamoDB writes (table + index)',
      price: PRICES.dynamoWriteUnit,
      quantity: (u) => u.dynamo.wruTable + u.dynamo.wruIndex,
      describe: (u) => `${n(u.dynamo.wruTable + u.dynamo.wruIndex)} WRU`,
    },
    {
      item: 'DynamoDB reads',
      price: PRICES.dynamoReadUnit,
      quantity: (u) => u.dynamo.rru,
      describe: (u) => `${n(u.dynamo.rru)} RRU`,
    },
    {
      item: `DynamoDB storage until the TTL (${retention.table} months)`,
      price: PRICES.dynamoStorageGbMonth,
      quantity: (u) => (storedBytes(u) / GB) * retention.table,
      describe: (u) => `${bytes(storedBytes(u))} × ${retention.table} mo`,
    },
    {
      item: `DynamoDB point-in-time recovery (${retention.table} months of table)`,
      price: PRICES.dynamoPitrGbMonth,
      quantity: (u) => (tableBytes(u) / GB) * retention.table,
      describe: (u) => `${bytes(tableBytes(u))} × ${retention.table} mo`,
    },
    {
      item: 'EventBridge custom events',
      price: PRICES.eventBridgeEvent,
      quantity: (u) => u.eventBridge.chunks,
      describe: (u) => `${n(u.eventBridge.chunks)} (${bytes(u.eventBridge.entryBytes)})`,
    },
    {
      item: 'EventBridge archive, processing',
      price: PRICES.eventBridgeArchiveGb,
      quantity: (u) => u.eventBridge.entryBytes / GB,
      describe: (u) => bytes(u.eventBridge.entryBytes),
    },
    {
      item: `EventBridge archive, storage (${retention.archive} months)`,
      price: PRICES.eventBridgeArchiveGbMonth,
      quantity: (u) => (u.eventBridge.entryBytes / GB) * retention.archive,
      describe: (u) => `${bytes(u.eventBridge.entryBytes)} × ${retention.archive} mo`,
    },
    {
      item: 'CloudWatch Logs ingestion',
      price: PRICES.logsIngestGb,
      quantity: (u) => logBytesPerDelivery(u).total / GB,
      describe: (u) => bytes(logBytesPerDelivery(u).total),
    },
    {
      item: `CloudWatch Logs storage (${retention.logs} month)`,
      price: PRICES.logsStorageGbMonth,
      quantity: (u) => (logBytesPerDelivery(u).total / GB) * retention.logs,
      describe: (u) => `${bytes(logBytesPerDelivery(u).total)} × ${retention.logs} mo`,
    },
  ];
}

const PER_MILLION = 1e6;

/** Dollars per million webhooks for one line of the model. */
export function perMillion(line: CostLine, u: DeliveryUsage): number {
  return line.quantity(u) * line.price.usd * PER_MILLION;
}

export function totalPerMillion(u: DeliveryUsage): number {
  return costLines().reduce((sum, line) => sum + perMillion(line, u), 0);
}

export function usd(value: number): string {
  if (value === 0) return '$0';
  if (value >= 0.1) return `$${value.toFixed(2)}`;
  return value >= 0.001 ? `$${value.toFixed(3)}` : '<$0.001';
}

/** The lines that cost most for one scenario, largest first, as shares of its total. */
export function topShares(u: DeliveryUsage, count: number): string {
  const total = totalPerMillion(u);
  return costLines()
    .map((line) => ({ item: line.item, cost: perMillion(line, u) }))
    .sort((a, b) => b.cost - a.cost)
    .slice(0, count)
    .map((c) => `${c.item} ${((100 * c.cost) / total).toFixed(0)}%`)
    .join(', ');
}

/** A fixed monthly cost of one deployment, whatever its traffic. */
export interface FixedLine {
  readonly item: string;
  readonly price: Price;
  readonly quantity: number;
  readonly basis: string;
}

/**
 * Metric streams of a quiet deployment: those the scenarios published, each naming a vendor
 * counted once per enabled vendor. A lower bound: refusals and failures add streams by reason.
 */
export function deploymentMetricStreams(usage: readonly DeliveryUsage[]): number {
  const streams = new Set(usage.flatMap((u) => u.metricStreams));
  const perVendor = [...streams].filter((stream) => stream.includes('<vendor>')).length;
  return perVendor * deployment().vendors + (streams.size - perVendor);
}

export function fixedLines(usage: readonly DeliveryUsage[]): FixedLine[] {
  const fixed = deployment();
  return [
    {
      item: 'CloudWatch custom metrics',
      price: PRICES.cloudWatchMetricMonth,
      quantity: deploymentMetricStreams(usage),
      basis: `streams published in the scenarios, per vendor × ${fixed.vendors} vendors`,
    },
    {
      item: 'CloudWatch alarms',
      price: PRICES.cloudWatchAlarmMonth,
      quantity: fixed.alarmMetrics,
      basis: `${fixed.alarms} alarms of the synthesized stack, by the metrics each reads`,
    },
    {
      item: 'CloudWatch dashboard',
      price: PRICES.cloudWatchDashboardMonth,
      quantity: fixed.dashboards,
      basis: 'the synthesized stack',
    },
    {
      item: 'Secrets Manager secrets',
      price: PRICES.secretMonth,
      quantity: fixed.secrets,
      basis: 'the synthesized stack (one per vendor)',
    },
  ];
}

export function fixedMonthly(usage: readonly DeliveryUsage[]): number {
  return fixedLines(usage).reduce((sum, line) => sum + line.quantity * line.price.usd, 0);
}

/**
 * Dollars a month at `ASSUMPTIONS.monthlyWebhooks` webhooks like `u` (which should be measured
 * at the small batches such traffic gets), fixed costs included.
 */
export function monthlyCost(u: DeliveryUsage, usage: readonly DeliveryUsage[]): number {
  return (totalPerMillion(u) * ASSUMPTIONS.monthlyWebhooks) / PER_MILLION + fixedMonthly(usage);
}
