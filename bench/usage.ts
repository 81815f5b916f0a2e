import {
  eventBridgeChunks,
  type ItemKind,
  type MeterRecord,
  type StoredItem,
} from './aws-meter.js';
import type { ScenarioRun } from './accounting.js';
import { itemSize, writeUnits } from './item-size.js';
import { deliveryMetricsOf } from '../lambdas/runtime/delivery-metrics.js';

/** What one delivery spends on AWS, averaged over a metered scenario run. */
export interface DeliveryUsage {
  readonly label: string;
  /** Messages per processor invocation in the run. */
  readonly batchSize: number;
  /**
   * The custom metric streams (name and dimension values) the run published, by EMF lines
   * (processor) or by metric filters on delivery lines (ingest), the vendor's own value written
   * `<vendor>`: each is billed as one metric a month.
   */
  readonly metricStreams: readonly string[];
  readonly bodyBytes: number;
  readonly invocations: { readonly ingest: number; readonly processor: number };
  readonly dynamo: {
    /** Requests per delivery, by operation (`GetItem`, `TransactWriteItems`, …). */
    readonly requests: Readonly<Record<string, number>>;
    readonly rru: number;
    readonly wruTable: number;
    readonly wruIndex: number;
    /** Table units the engine reported for the same calls (reads and writes). */
    readonly reportedUnits: number;
    /** Stored bytes per delivery that live until the TTL: event items and subject items. */
    readonly eventItemBytes: number;
    /** Bytes of index entries per delivery (each also pays the per-item storage overhead). */
    readonly indexBytes: number;
    readonly indexEntries: number;
    /** Table items per delivery (event, body chunks, subject): each pays storage overhead. */
    readonly items: number;
    readonly subjectItemBytes: number;
    /** Units to write the raw body once, keyed by its event id: the storage floor. */
    readonly floorWru: number;
  };
  readonly sqs: {
    readonly send: number;
    readonly receive: number;
    readonly delete: number;
    readonly billed: number;
  };
  readonly eventBridge: {
    readonly calls: number;
    readonly entries: number;
    readonly chunks: number;
    readonly entryBytes: number;
  };
  readonly logs: {
    readonly ingestBytes: number;
    readonly processorBytes: number;
    readonly ingestLines: number;
    readonly processorLines: number;
  };
}

const sum = (records: readonly MeterRecord[], pick: (r: MeterRecord) => number | undefined) =>
  records.reduce((total, r) => total + (pick(r) ?? 0), 0);

/** Bytes of log lines as written, newline included. */
const lineBytes = (lines: readonly string[]): number =>
  lines.reduce((total, line) => total + Buffer.byteLength(line) + 1, 0);

export function deliveryUsage(
  label: string,
  run: ScenarioRun,
  sample: { readonly eventId: string; readonly body: string },
): DeliveryUsage {
  const per = (value: number): number => value / run.deliveries;
  const of = (service: MeterRecord['service'], operation?: string) =>
    run.records.filter(
      (r) => r.service === service && (operation === undefined || r.operation === operation),
    );
  const dynamo = of('dynamodb');
  // What stays stored until the TTL: each item as its last write left it.
  const last = new Map<string, StoredItem>();
  for (const item of dynamo.flatMap((r) => (r.failed ? [] : (r.stored ?? [])))) {
    last.set(item.key, item);
  }
  const stored = (kind: ItemKind): number =>
    [...last.values()].filter((item) => item.kind === kind).reduce((t, i) => t + i.bytes, 0);
  const receives = of('sqs', 'ReceiveMessage');
  const puts = of('eventbridge', 'PutEvents');
  const entryBytes = puts.flatMap((r) => r.entryBytes ?? []);
  return {
    label,
    batchSize: run.batchSize,
    metricStreams: metricStreams([...run.ingestLogLines, ...run.processorLogLines], {
      filteredLines: run.ingestLogLines,
    }),
    bodyBytes: Buffer.byteLength(sample.body),
    invocations: { ingest: per(run.ingestInvocations), processor: per(run.processorInvocations) },
    dynamo: {
      requests: Object.fromEntries(
        [...new Set(dynamo.map((r) => r.operation))].map((operation) => [
          operation,
          per(of('dynamodb', operation).length),
        ]),
      ),
      rru: per(sum(dynamo, (r) => r.rru)),
      wruTable: per(sum(dynamo, (r) => r.wruTable)),
      wruIndex: per(sum(dynamo, (r) => r.wruIndex)),
      reportedUnits: per(sum(dynamo, (r) => r.reportedUnits)),
      eventItemBytes: per(stored('event') + stored('bodyChunk')),
      indexBytes: per([...last.values()].reduce((t, i) => t + i.indexBytes, 0)),
      indexEntries: per([...last.values()].filter((i) => i.indexBytes > 0).length),
      items: per(last.size),
      subjectItemBytes: per(stored('subject')),
      floorWru: writeUnits(itemSize({ pk: { S: sample.eventId }, rawBody: { S: sample.body } })),
    },
    sqs: {
      send: per(of('sqs', 'SendMessage').length),
      receive: per(receives.length),
      delete: per(of('sqs', 'DeleteMessageBatch').length),
      billed: per(sum(of('sqs'), (r) => r.sqsBilled)),
    },
    eventBridge: {
      calls: per(puts.length),
      entries: per(entryBytes.length),
      chunks: per(eventBridgeChunks(entryBytes)),
      entryBytes: per(entryBytes.reduce((total, b) => total + b, 0)),
    },
    logs: {
      ingestBytes: per(lineBytes(run.ingestLogLines)),
      processorBytes: per(lineBytes(run.processorLogLines)),
      ingestLines: per(run.ingestLogLines.length),
      processorLines: per(run.processorLogLines.length),
    },
  };
}

interface EmfLine {
  readonly _aws?: {
    readonly CloudWatchMetrics?: readonly {
      readonly Dimensions?: readonly (readonly string[])[];
      readonly Metrics?: readonly { readonly Name: string }[];
    }[];
  };
  readonly [dimension: string]: unknown;
}

/** A stream's name: the metric and its dimension values, a vendor's written `<vendor>`. */
function streamOf(name: string, dimensions: readonly (readonly [string, unknown])[]): string {
  const values = dimensions.map(
    ([key, value]) => `${key}=${key === 'vendor' ? '<vendor>' : String(value)}`,
  );
  return `${name}{${values.join(',')}}`;
}

/**
 * Metric streams, by name and dimension values, of CloudWatch embedded-metric-format lines and
 * of `filteredLines`: lines of a log group whose metric filters count delivery lines (ingest's,
 * lambdas/runtime/delivery-metrics.ts).
 */
export function metricStreams(
  lines: readonly string[],
  options: { readonly filteredLines?: readonly string[] } = {},
): string[] {
  const streams = new Set<string>();
  for (const line of options.filteredLines ?? []) {
    const parsed = parseLine(line);
    for (const { name, dimensions } of parsed ? deliveryMetricsOf(parsed) : []) {
      streams.add(streamOf(name, Object.entries(dimensions)));
    }
  }
  for (const line of lines) {
    const parsed = parseLine(line) as EmfLine | undefined;
    if (parsed === undefined) continue;
    for (const directive of parsed._aws?.CloudWatchMetrics ?? []) {
      // No dimension set (Powertools' line for a metric without dimensions) publishes each
      // metric once, undimensioned: a stream all the same.
      const sets = directive.Dimensions?.length ? directive.Dimensions : [[]];
      for (const dimensions of sets) {
        const values = dimensions.map((name) => [name, parsed[name]] as const);
        for (const metric of directive.Metrics ?? []) {
          streams.add(streamOf(metric.Name, values));
        }
      }
    }
  }
  return [...streams].sort();
}

function parseLine(line: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(line);
    return typeof parsed === 'object' && parsed !== null
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
