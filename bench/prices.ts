/**
 * List prices the cost model uses: us-east-1, on demand, before any free tier, savings plan or
 * volume tier beyond the first. Each names where it is published; they were read from those
 * pages (and from write-ups quoting them, where the page renders its rates client-side) in
 * 2026, and are a snapshot to re-check, not a source of truth.
 */

export const PRICE_REGION = 'us-east-1 (US East, N. Virginia)';
/** When the prices below were read; list prices change, so the report says how old they are. */
export const PRICES_READ = '2026 (pages read between March and September 2026)';

export interface Price {
  /** Dollars per unit. */
  readonly usd: number;
  /** The price as published, e.g. `$0.625 per million WRU`. */
  readonly display: string;
  readonly per: string;
  readonly source: string;
}

export const PRICES = {
  apiGatewayHttp: {
    usd: 1.0 / 1e6,
    display: '$1.00 per million requests',
    per: 'HTTP API request (first 300 M a month; each 512 KB of a request counts as one)',
    source: 'https://aws.amazon.com/api-gateway/pricing/',
  },
  lambdaRequest: {
    usd: 0.2 / 1e6,
    display: '$0.20 per million requests',
    per: 'Lambda invocation',
    source: 'https://aws.amazon.com/lambda/pricing/',
  },
  lambdaArmGbSecond: {
    usd: 0.0000133334,
    display: '$0.0000133334 per GB-s',
    per: 'GB-second of Lambda compute on arm64 (first 7.5 B GB-s a month)',
    source: 'https://aws.amazon.com/lambda/pricing/',
  },
  sqsRequest: {
    usd: 0.4 / 1e6,
    display: '$0.40 per million requests',
    per: 'SQS standard-queue request, each 64 KB chunk of payload counted (first 100 B a month)',
    source: 'https://aws.amazon.com/sqs/pricing/',
  },
  dynamoWriteUnit: {
    usd: 0.625 / 1e6,
    display: '$0.625 per million WRU',
    per: 'DynamoDB on-demand write request unit (Standard table class)',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
  },
  dynamoReadUnit: {
    usd: 0.125 / 1e6,
    display: '$0.125 per million RRU',
    per: 'DynamoDB on-demand read request unit (Standard table class)',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
  },
  dynamoStorageGbMonth: {
    usd: 0.25,
    display: '$0.25 per GB-month',
    per: 'GB-month of DynamoDB table and index storage (Standard table class)',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
  },
  eventBridgeEvent: {
    usd: 1.0 / 1e6,
    display: '$1.00 per million events',
    per: 'EventBridge custom event published, each 64 KB chunk counted',
    source: 'https://aws.amazon.com/eventbridge/pricing/',
  },
  eventBridgeArchiveGb: {
    usd: 0.1,
    display: '$0.10 per GB',
    per: 'GB of events processed into an EventBridge archive',
    source: 'https://aws.amazon.com/eventbridge/pricing/',
  },
  eventBridgeArchiveGbMonth: {
    usd: 0.023,
    display: '$0.023 per GB-month',
    per: 'GB-month of EventBridge archive storage',
    source: 'https://aws.amazon.com/eventbridge/pricing/',
  },
  logsIngestGb: {
    usd: 0.5,
    display: '$0.50 per GB',
    per: 'GB of CloudWatch Logs ingested, Standard class (Lambda logs: first 10 TB tier)',
    source: 'https://aws.amazon.com/cloudwatch/pricing/',
  },
  logsStorageGbMonth: {
    usd: 0.03,
    display: '$0.03 per GB-month',
    per: 'GB-month of CloudWatch Logs storage',
    source: 'https://aws.amazon.com/cloudwatch/pricing/',
  },
  dynamoPitrGbMonth: {
    usd: 0.2,
    display: '$0.20 per GB-month',
    per: 'GB-month of table size under continuous backups (point-in-time recovery)',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
  },
  cloudWatchMetricMonth: {
    usd: 0.3,
    display: '$0.30 per metric-month',
    per: 'custom metric (each name and dimension-value combination), first 10,000',
    source: 'https://aws.amazon.com/cloudwatch/pricing/',
  },
  cloudWatchAlarmMonth: {
    usd: 0.1,
    display: '$0.10 per alarm-month',
    per: 'standard-resolution alarm (per metric it reads)',
    source: 'https://aws.amazon.com/cloudwatch/pricing/',
  },
  cloudWatchDashboardMonth: {
    usd: 3,
    display: '$3.00 per dashboard-month',
    per: 'custom dashboard (beyond the first three)',
    source: 'https://aws.amazon.com/cloudwatch/pricing/',
  },
  secretMonth: {
    usd: 0.4,
    display: '$0.40 per secret-month',
    per: 'Secrets Manager secret',
    source: 'https://aws.amazon.com/secrets-manager/pricing/',
  },
} as const satisfies Readonly<Record<string, Price>>;

/** AWS bills these quantities in binary gigabytes. */
export const GB = 1024 ** 3;
