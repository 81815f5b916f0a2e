import {
  GetQueryResultsCommand,
  StartQueryCommand,
  StopQueryCommand,
  type CloudWatchLogsClient,
  type ResultField,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  toDeliveryRecord,
  type CountedDelivery,
  type DeliveryQuery,
  type DeliveryRecord,
} from '../core/delivery-log.js';

/**
 * The deployed delivery log, read back: each ingest function writes one JSON log line per
 * delivery carrying its `DeliveryRecord` (lambdas/ingest/ingest-handler.ts), and CloudWatch Logs
 * Insights finds those lines by their `contentHash` field. Two queries over the same window:
 * the records asked for, and the attempts of every content in the window.
 */

/** The record's fields, as Logs Insights discovers them in the JSON lines. */
const RECORD_FIELDS = [
  'receivedAt',
  'vendor',
  'route',
  'sourceIp',
  'requestId',
  'bodyBytes',
  'status',
  'result',
  'reason',
  'dedupId',
  'contentHash',
  'bodyRef',
] as const satisfies readonly (keyof DeliveryRecord)[];

const NUMBER_FIELDS: readonly string[] = ['bodyBytes', 'status'];

/** Only delivery lines carry a content hash (and a result). */
export const DELIVERY_LINES = 'filter ispresent(contentHash) and ispresent(result)';

/** Logs Insights' largest `limit`. */
export const MAX_QUERY_LIMIT = 10_000;

/** The query for the records themselves, newest first. */
export function recordsQuery(query: DeliveryQuery): string {
  return [
    `fields ${RECORD_FIELDS.join(', ')}`,
    DELIVERY_LINES,
    // A vendor id is a registry id (letters, digits, hyphens), checked before it gets here.
    ...(query.vendor !== undefined ? [`filter vendor = ${JSON.stringify(query.vendor)}`] : []),
    ...(query.notAccepted ? ['filter result != "accepted"'] : []),
    'sort receivedAt desc',
    `limit ${Math.min(query.limit, MAX_QUERY_LIMIT)}`,
  ].join('\n| ');
}

/** The query counting the attempts of each content in the window, of every vendor and answer. */
export function attemptsQuery(): string {
  return [
    DELIVERY_LINES,
    'stats count(*) as attempts by contentHash',
    `limit ${MAX_QUERY_LIMIT}`,
  ].join('\n| ');
}

/** A row of `recordsQuery`'s results as a record; `undefined` when it is not one. */
export function recordFromRow(row: readonly ResultField[]): DeliveryRecord | undefined {
  const value: Record<string, unknown> = {};
  for (const { field, value: text } of row) {
    if (field === undefined || text === undefined || text === '') continue;
    if (!(RECORD_FIELDS as readonly string[]).includes(field)) continue;
    value[field] = NUMBER_FIELDS.includes(field) ? Number(text) : text;
  }
  return toDeliveryRecord(value);
}

/** `attemptsQuery`'s results as content hash → attempts. */
export function attemptsFromRows(rows: readonly (readonly ResultField[])[]): Map<string, number> {
  const attempts = new Map<string, number>();
  for (const row of rows) {
    const hash = row.find((cell) => cell.field === 'contentHash')?.value;
    const count = Number(row.find((cell) => cell.field === 'attempts')?.value);
    if (hash !== undefined && Number.isInteger(count)) attempts.set(hash, count);
  }
  return attempts;
}

/** A query that ended without results; `status` is Logs Insights' own word. */
export class DeliveryQueryError extends Error {
  override readonly name = 'DeliveryQueryError';
}

export interface LogsInsightsOptions {
  /** Pause between polls of a running query. */
  readonly pollMs: number;
  /** How long to wait for a query before stopping it. @default 120 s */
  readonly timeoutMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export class LogsInsightsDeliveryLog {
  readonly #client: CloudWatchLogsClient;
  readonly #logGroups: readonly string[];
  readonly #options: LogsInsightsOptions;

  constructor(
    client: CloudWatchLogsClient,
    logGroups: readonly string[],
    options: LogsInsightsOptions,
  ) {
    this.#client = client;
    this.#logGroups = logGroups;
    this.#options = options;
  }

  /** The records the query asks for, newest first, each with its content's attempts. */
  async find(query: DeliveryQuery): Promise<CountedDelivery[]> {
    const [recordRows, attemptRows] = await Promise.all([
      this.#run(recordsQuery(query), query),
      this.#run(attemptsQuery(), query),
    ]);
    const attempts = attemptsFromRows(attemptRows);
    return recordRows.flatMap((row) => {
      const record = recordFromRow(row);
      return record ? [{ ...record, attempts: attempts.get(record.contentHash) ?? 1 }] : [];
    });
  }

  async #run(queryString: string, window: DeliveryQuery): Promise<ResultField[][]> {
    const { queryId } = await this.#client.send(
      new StartQueryCommand({
        logGroupNames: [...this.#logGroups],
        queryString,
        // Whole seconds, widened so the window's edges are inside it.
        startTime: Math.floor(Date.parse(window.since) / 1000),
        endTime: Math.ceil(Date.parse(window.until) / 1000),
      }),
    );
    if (queryId === undefined) throw new DeliveryQueryError('Logs Insights returned no query id');
    const sleep = this.#options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    const deadline = Date.now() + (this.#options.timeoutMs ?? 120_000);
    for (;;) {
      const { status, results } = await this.#client.send(new GetQueryResultsCommand({ queryId }));
      if (status === 'Complete') return results ?? [];
      if (status !== 'Running' && status !== 'Scheduled') {
        throw new DeliveryQueryError(`the Logs Insights query ended ${String(status)}`);
      }
      if (Date.now() > deadline) {
        await this.#client.send(new StopQueryCommand({ queryId })).catch(() => undefined);
        throw new DeliveryQueryError('the Logs Insights query did not finish in time');
      }
      await sleep(this.#options.pollMs);
    }
  }
}
