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
   * in-region) plus the handler; a processor batch is a few sequential DynamoDB calls per
   * record (in parallel across records) and one PutEvents call. Local figures are beside them.
   */
  ingestMs: 30,
  processorBatchMs: 150,
  /** cdk.json: retentionDays 90 (table TTL), archiveRetentionDays 365, logRetentionDays 30. */
  tableRetentionMonths: 3,
  archiveRetentionMonths: 12,
  logRetentionMonths: 1,
  /** DynamoDB adds 100 bytes of overhead per item, and per index entry, for storage. */
  storageOverheadBytes: 100,
  /** CloudWatch Logs counts 26 bytes per log event beside the message (PutLogEvents sizing). */
  logEventOverheadBytes: 26,
  /** The lookup index's entry of an event, at most one write unit (test/storage/item-size.test.ts). */
  indexEntryBytes: 1024,
  /**
   * Fixed monthly quantities of one default deployment, assumed (not read from a synthesized
   * stack): alarms of lib/constructs/alarms.ts, one dashboard, one secret per vendor, and the
   * custom metric streams (name × dimension values) a quiet deployment of five vendors emits.
   */
  alarms: 12,
  dashboards: 1,
  secrets: 5,
  metricStreams: 30,
  /** The traffic of the monthly figure. */
  monthlyWebhooks: 100_000,
} as const;

/**
 * Lambda's own records per invocation in the JSON log format (platform.start and
 * platform.report), representative shapes: not captured here, since no Lambda runtime runs.
 */
const PLATFORM_LINES = [
  '{"time":"2026-06-01T12:00:00.000Z","type":"platform.start","record":{"requestId":"6f7f0961-4a0e-4d8d-9d4e-5f7b2d0e3a11","version":"$LATEST"}}',
  '{"time":"2026-06-01T12:00:00.030Z","type":"platform.report","record":{"requestId":"6f7f0961-4a0e-4d8d-9d4e-5f7b2d0e3a11","metrics":{"durationMs":28.51,"billedDurationMs":29,"memorySizeMB":256,"maxMemoryUsedMB":92},"status":"success"}}',
];

/** One API Gateway access-log line in the stack's format (ingest-api.ts), typical values. */
const ACCESS_LOG_LINE = JSON.stringify({
  requestId: 'Kx1abcDEFgHIJkL=',
  requestTime: '01/Jun/2026:12:00:00 +0000',
  sourceIp: '203.0.113.10',
  routeKey: 'POST /webhooks/treezor',
  status: '200',
  responseLength: '17',
  responseLatency: '45',
  integrationStatus: '200',
  integrationLatency: '43',
  integrationError: '-',
  error: '-',
});

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
  const platform = logBytes(PLATFORM_LINES) * (u.invocations.ingest + u.invocations.processor);
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

function storedBytes(u: DeliveryUsage): number {
  const overhead = ASSUMPTIONS.storageOverheadBytes;
  const event = u.dynamo.eventItemBytes;
  const subject = u.dynamo.subjectItemBytes;
  // Event items (and body chunks) in the table, plus their lookup index entry (upper bound).
  const events = event > 0 ? event + overhead + ASSUMPTIONS.indexEntryBytes + overhead : 0;
  return events + (subject > 0 ? subject + overhead : 0);
}

/** Table bytes alone: what point-in-time recovery bills (indexes are not backed up). */
function tableBytes(u: DeliveryUsage): number {
  const overhead = ASSUMPTIONS.storageOverheadBytes;
  const event = u.dynamo.eventItemBytes;
  const subject = u.dynamo.subjectItemBytes;
  return (event > 0 ? event + overhead : 0) + (subject > 0 ? subject + overhead : 0);
}

export const COST_LINES: readonly CostLine[] = [
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
    quantity: (u) =>
      u.invocations.ingest * ASSUMPTIONS.ingestMemoryGb * (ASSUMPTIONS.ingestMs / 1000) +
      u.invocations.processor *
        ASSUMPTIONS.processorMemoryGb *
        (ASSUMPTIONS.processorBatchMs / 1000),
    describe: (u) =>
      `${(
        u.invocations.ingest * ASSUMPTIONS.ingestMemoryGb * ASSUMPTIONS.ingestMs +
        u.invocations.processor * ASSUMPTIONS.processorMemoryGb * ASSUMPTIONS.processorBatchMs
      ).toFixed(1)} GB-ms`,
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
    item: `DynamoDB storage until the TTL (${ASSUMPTIONS.tableRetentionMonths} months)`,
    price: PRICES.dynamoStorageGbMonth,
    quantity: (u) => (storedBytes(u) / GB) * ASSUMPTIONS.tableRetentionMonths,
    describe: (u) => `${bytes(storedBytes(u))} × ${ASSUMPTIONS.tableRetentionMonths} mo`,
  },
  {
    item: `DynamoDB point-in-time recovery (${ASSUMPTIONS.tableRetentionMonths} months of table)`,
    price: PRICES.dynamoPitrGbMonth,
    quantity: (u) => (tableBytes(u) / GB) * ASSUMPTIONS.tableRetentionMonths,
    describe: (u) => `${bytes(tableBytes(u))} × ${ASSUMPTIONS.tableRetentionMonths} mo`,
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
    item: `EventBridge archive, storage (${ASSUMPTIONS.archiveRetentionMonths} months)`,
    price: PRICES.eventBridgeArchiveGbMonth,
    quantity: (u) => (u.eventBridge.entryBytes / GB) * ASSUMPTIONS.archiveRetentionMonths,
    describe: (u) =>
      `${bytes(u.eventBridge.entryBytes)} × ${ASSUMPTIONS.archiveRetentionMonths} mo`,
  },
  {
    item: 'CloudWatch Logs ingestion',
    price: PRICES.logsIngestGb,
    quantity: (u) => logBytesPerDelivery(u).total / GB,
    describe: (u) => bytes(logBytesPerDelivery(u).total),
  },
  {
    item: `CloudWatch Logs storage (${ASSUMPTIONS.logRetentionMonths} month)`,
    price: PRICES.logsStorageGbMonth,
    quantity: (u) => (logBytesPerDelivery(u).total / GB) * ASSUMPTIONS.logRetentionMonths,
    describe: (u) =>
      `${bytes(logBytesPerDelivery(u).total)} × ${ASSUMPTIONS.logRetentionMonths} mo`,
  },
];

const PER_MILLION = 1e6;

/** Dollars per million webhooks for one line of the model. */
export function perMillion(line: CostLine, u: DeliveryUsage): number {
  return line.quantity(u) * line.price.usd * PER_MILLION;
}

export function totalPerMillion(u: DeliveryUsage): number {
  return COST_LINES.reduce((sum, line) => sum + perMillion(line, u), 0);
}

export function usd(value: number): string {
  if (value === 0) return '$0';
  if (value >= 0.1) return `$${value.toFixed(2)}`;
  return value >= 0.001 ? `$${value.toFixed(3)}` : '<$0.001';
}

/** The lines that cost most for one scenario, largest first, as shares of its total. */
export function topShares(u: DeliveryUsage, count: number): string {
  const total = totalPerMillion(u);
  return COST_LINES.map((line) => ({ item: line.item, cost: perMillion(line, u) }))
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
}

export const FIXED_MONTHLY: readonly FixedLine[] = [
  {
    item: 'CloudWatch custom metrics',
    price: PRICES.cloudWatchMetricMonth,
    quantity: ASSUMPTIONS.metricStreams,
  },
  { item: 'CloudWatch alarms', price: PRICES.cloudWatchAlarmMonth, quantity: ASSUMPTIONS.alarms },
  {
    item: 'CloudWatch dashboard',
    price: PRICES.cloudWatchDashboardMonth,
    quantity: ASSUMPTIONS.dashboards,
  },
  { item: 'Secrets Manager secrets', price: PRICES.secretMonth, quantity: ASSUMPTIONS.secrets },
];

export function fixedMonthly(): number {
  return FIXED_MONTHLY.reduce((sum, line) => sum + line.quantity * line.price.usd, 0);
}

/** Dollars a month at `ASSUMPTIONS.monthlyWebhooks` webhooks of this kind, fixed costs included. */
export function monthlyCost(u: DeliveryUsage): number {
  return (totalPerMillion(u) * ASSUMPTIONS.monthlyWebhooks) / PER_MILLION + fixedMonthly();
}
