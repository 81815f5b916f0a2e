import {
  DeliveryQueryError,
  LogsInsightsDeliveryLog,
} from '../../lambdas/adapters/logs-insights-delivery-log.js';
import {
  selectDeliveries,
  type CountedDelivery,
  type DeliveryQuery,
} from '../../lambdas/core/delivery-log.js';
import { deliveriesFileFor, readDeliveryRecords } from '../../local/file-delivery-log.js';
import { parseTime } from '../args.js';
import { defineCommand, sharedOption, type CommandContext } from '../command.js';
import { CliError, EXIT, UsageError } from '../errors.js';
import { formatTable } from '../table.js';
import type { Target } from '../target.js';

const DEFAULT_SINCE = '24h';
const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 10_000;

const USAGE = `Usage: npx kyc-webhooks deliveries [options]

Every delivery attempt, accepted or refused, newest first: when it arrived, the vendor, the
answer (status, accepted/refused/failed and the reason code), its size, the source address,
and how many attempts in the window carried the same body (a vendor retrying one delivery).
Never the body itself. Local mode reads deliveries.jsonl beside its events file; a deployed
stack is queried with CloudWatch Logs Insights over its ingest functions' log groups.`;

export const deliveriesCommand = defineCommand({
  name: 'deliveries',
  summary: 'every delivery attempt with its answer, reason and attempt count',
  usage: USAGE,
  options: {
    ...sharedOption('vendor', "only this vendor's deliveries"),
    refused: {
      type: 'boolean',
      help: 'only the attempts that were not accepted (refused, or not queued: 503)',
    },
    since: {
      type: 'string',
      value: 'T',
      help:
        "the window's start: an ISO date or instant, today, yesterday, or a duration\n" +
        `ago such as 30m, 2h, 7d (default ${DEFAULT_SINCE}); attempts are counted in it`,
    },
    limit: {
      type: 'string',
      value: 'N',
      help: `the newest N (default ${DEFAULT_LIMIT}, at most ${MAX_LIMIT})`,
    },
    ...sharedOption('json', 'machine-readable output: {"deliveries": [{…record, "attempts"}]}'),
  },
  target: true,
  examples: [
    '--refused',
    '--vendor treezor --since 2h --json',
    '--stack KycWebhooks --refused --since 1d',
  ],
  async run({ values, vendor }, context) {
    const { out } = context;
    const now = context.now();
    const query: DeliveryQuery = {
      since: parseTime(values.since ?? DEFAULT_SINCE, now, '--since'),
      until: now.toISOString(),
      ...(vendor && { vendor: vendor.id }),
      ...(values.refused && { notAccepted: true }),
      limit: parseLimit(values.limit),
    };
    if (query.since > query.until) {
      throw new UsageError(`--since ${values.since ?? ''} is in the future`);
    }
    const target = await context.target(values);
    const deliveries =
      target.kind === 'local'
        ? await fromLocalFile(target, query, context)
        : await fromStack(target, query, context);

    if (values.json) {
      out.json({ deliveries });
    } else if (deliveries.length > 0) {
      out.line(formatDeliveries(deliveries));
    }
    if (deliveries.length === 0) {
      out.note(`No deliveries in ${target.label} since ${query.since}${describeFilter(query)}.`);
    }
    return EXIT.ok;
  },
});

function parseLimit(text: string | undefined): number {
  if (text === undefined) return DEFAULT_LIMIT;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > MAX_LIMIT) {
    throw new UsageError(`--limit must be a whole number from 1 to ${MAX_LIMIT}, got "${text}"`);
  }
  return value;
}

async function fromLocalFile(
  target: Target,
  query: DeliveryQuery,
  { out }: CommandContext,
): Promise<CountedDelivery[]> {
  const eventsFile = target.localEventsFile;
  const file =
    target.localInstance?.deliveriesFile ??
    (eventsFile === undefined ? undefined : deliveriesFileFor(eventsFile));
  if (file === undefined) throw new CliError('local mode has no delivery log file');
  const { records, skipped, missing } = await readDeliveryRecords(file);
  if (missing) {
    out.note(`No delivery log at ${file}: local mode has not run there yet (npm start).`);
  }
  if (skipped > 0) out.note(`Skipped ${skipped} line(s) of ${file} that are not records.`);
  return selectDeliveries(records, query);
}

async function fromStack(
  target: Target,
  query: DeliveryQuery,
  { out, pollMs }: CommandContext,
): Promise<CountedDelivery[]> {
  const logGroups = target.ingestLogGroups();
  if (logGroups.length === 0) throw new CliError(`${target.label} lists no ingest log groups`);
  out.note(`Querying ${logGroups.length} ingest log group(s) of ${target.label}…`);
  const log = new LogsInsightsDeliveryLog(target.cloudWatchLogs(), logGroups, { pollMs });
  try {
    return await log.find(query);
  } catch (error) {
    if (!(error instanceof DeliveryQueryError)) throw error;
    throw new CliError(
      `${target.label}: ${error.message}; try again, or a shorter window (--since)`,
    );
  }
}

function describeFilter(query: DeliveryQuery): string {
  return (
    (query.vendor !== undefined ? ` for ${query.vendor}` : '') +
    (query.notAccepted ? ' that were not accepted' : '')
  );
}

/** receivedAt, vendor, answer, reason, bytes, source, attempts, requestId, body kept at. */
export function formatDeliveries(deliveries: readonly CountedDelivery[]): string {
  return formatTable(
    ['receivedAt', 'vendor', 'answer', 'reason', 'bytes', 'source', 'attempts', 'requestId'],
    deliveries.map((delivery) => [
      delivery.receivedAt,
      delivery.vendor ?? `(${delivery.route})`,
      `${delivery.status} ${delivery.result}`,
      delivery.reason ?? '-',
      String(delivery.bodyBytes),
      delivery.sourceIp,
      String(delivery.attempts),
      delivery.requestId + (delivery.bodyRef !== undefined ? `  body: ${delivery.bodyRef}` : ''),
    ]),
  );
}
