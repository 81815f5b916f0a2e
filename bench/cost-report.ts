import {
  ASSUMPTIONS,
  bytes,
  costLines,
  fixedLines,
  fixedMonthly,
  retentionMonths,
  systemLogLevels,
  logBytesPerDelivery,
  processorMs,
  perMillion,
  topShares,
  totalPerMillion,
  usd,
} from './cost-model.js';
import { PRICE_REGION, PRICES, PRICES_READ } from './prices.js';
import type { Section, Table } from './report.js';
import type { DeliveryUsage } from './usage.js';

/** The cost model as report sections: the full table with its basis, and the README version. */

function costTable(usage: readonly DeliveryUsage[]): Table {
  const rows = costLines().map((line) => [
    line.item,
    line.price.display,
    ...usage.flatMap((u) => [line.describe(u), usd(perMillion(line, u))]),
  ]);
  rows.push([
    '**Total per million webhooks**',
    '',
    ...usage.flatMap((u) => ['', `**${usd(totalPerMillion(u))}**`]),
  ]);
  return {
    headers: [
      'line item',
      'list price',
      ...usage.flatMap((u) => [`${u.label}: per webhook`, '$ per million']),
    ],
    rows,
  };
}

export function costSection(
  usage: readonly DeliveryUsage[],
  measured: { readonly ingestMs: string; readonly processorBatchMs: string },
): Section {
  const retention = retentionMonths();
  const logs = usage.map((u) => {
    const l = logBytesPerDelivery(u);
    return (
      `${u.label}: ${bytes(l.total)} per delivery = Powertools lines ${bytes(l.powertools)} ` +
      `(measured) + Lambda platform records ${bytes(l.platform)} + API access log ${bytes(l.accessLog)}`
    );
  });
  return {
    title: '5. Cost per million webhooks',
    intro:
      `List prices for ${PRICE_REGION} as published in ${PRICES_READ}, on demand, no free ` +
      'tier; quantities per webhook are the measured ones from section 4b unless the ' +
      'assumptions below say otherwise.',
    tables: [
      costTable(usage),
      {
        caption: `Fixed monthly costs of one default deployment (${usd(fixedMonthly(usage))} a month):`,
        headers: ['line item', 'list price', 'quantity', 'from', '$ a month'],
        rows: fixedLines(usage).map((line) => [
          line.item,
          line.price.display,
          String(line.quantity),
          line.basis,
          usd(line.quantity * line.price.usd),
        ]),
      },
      {
        caption: 'Prices used (prices.ts):',
        headers: ['price', 'per', 'published at'],
        rows: Object.values(PRICES).map((p) => [p.display, p.per, p.source]),
      },
    ],
    notes: [
      `Lambda: ingest ${ASSUMPTIONS.ingestMemoryGb * 1024} MB for an assumed ` +
        `${ASSUMPTIONS.ingestMs} ms per request (measured here through local SQS: ` +
        `${measured.ingestMs}); processor ${ASSUMPTIONS.processorMemoryGb * 1024} MB for an ` +
        `assumed ${processorMs(10)} ms per batch of 10 and ${processorMs(1)} ms for one record ` +
        `(${ASSUMPTIONS.processorBaseMs} ms + ${ASSUMPTIONS.processorRecordMs} ms a record; measured here on the local ` +
        `engines: ${measured.processorBatchMs}). Cold starts are not included.`,
      'Batches as each scenario ran them: one processor invocation, one ReceiveMessage and one ' +
        'DeleteMessageBatch per batch of 10, or per message at low traffic (batches of 1, ' +
        'as the event source mapping hands out when messages trickle in).',
      `Retention: table TTL ${retention.table} months (retentionDays 90), ` +
        `archive ${retention.archive} months, logs ` +
        `${retention.logs} month (cdk.json). Storage counts each item as its ` +
        'last write left it (event item, body chunk, subject item) and the index entries they ' +
        `left, each with ${ASSUMPTIONS.storageOverheadBytes} B overhead (a known subject's item is ` +
        'counted again though it existed: an upper bound); point-in-time recovery bills the table ' +
        'alone; log storage is counted uncompressed (an upper bound).',
      ...logs,
      `Fixed monthly (below, in the monthly figure at ${ASSUMPTIONS.monthlyWebhooks} webhooks): ` +
        'custom metric streams, alarms, dashboard and secrets of the default stack as synthesized ' +
        'from cdk.json, whose retention settings the table above uses too.',
      'Not included: free tiers; Secrets Manager API calls (one read per warm ingest function ' +
        'per 5 minutes); KMS for the AWS-managed table key; the Ondato token endpoint (one call per token ' +
        'lifetime); data transfer (answers are ~20 B); idle SQS polling by the event source ' +
        'mapping; deliveries that are refused.',
    ],
  };
}

/** The same model, condensed for the README: dollars per million webhooks, and the basis. */
export function readmeSection(usage: readonly DeliveryUsage[], typical: DeliveryUsage): Section {
  const retention = retentionMonths();
  const rows = costLines().map((line) => [
    line.item,
    ...usage.map((u) => usd(perMillion(line, u))),
  ]);
  rows.push(['**Total**', ...usage.map((u) => `**${usd(totalPerMillion(u))}**`)]);
  return {
    title: 'README-ready: what a million webhooks cost',
    intro:
      `List prices, ${PRICE_REGION}, on demand, before free tiers; requests, DynamoDB units, ` +
      'EventBridge entries and log lines per webhook measured by `npm run bench` against the ' +
      'local engines.',
    tables: [{ headers: ['', ...usage.map((u) => u.label)], rows }],
    notes: [
      `Lambda arm64: ingest 256 MB × ${ASSUMPTIONS.ingestMs} ms per webhook, processor ` +
        `512 MB × ${processorMs(10)} ms per batch of 10, ${processorMs(1)} ms per batch of 1 ` +
        '(assumed AWS durations).',
      'SQS: one send per webhook, one receive and one delete per batch (10, or 1 at low traffic).',
      `Monthly: the low-traffic scenario × ${ASSUMPTIONS.monthlyWebhooks.toLocaleString('en-US')} ` +
        `plus the fixed monthly costs (section 5): ${usd(fixedMonthly(usage))}.`,
      `Stored ${retention.table} months (TTL), archived ` +
        `${retention.archive} months, logs kept ${retention.logs} ` +
        `month, logged at INFO; Lambda's platform records at ${systemLogLevels().ingest} on ` +
        `the ingest functions, ${systemLogLevels().processor} on the processor.`,
      `Largest lines for ${typical.label}: ${topShares(typical, 3)}.`,
    ],
  };
}
