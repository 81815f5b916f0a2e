import { SqsEventQueue } from '../lambdas/adapters/sqs-event-queue.js';
import type { EventQueue } from '../lambdas/core/ports.js';
import { createIngestHandler } from '../lambdas/ingest/ingest-handler.js';
import type { BenchEngines } from './bench-engines.js';
import type { BenchConfig } from './config.js';
import {
  CaptureQueue,
  fixtureSecrets,
  scenarioBodies,
  silentLog,
  type ScenarioVendor,
} from './deliveries.js';
import { apiGatewayEvent } from './fixtures.js';
import type { RatioRow, Section } from './report.js';
import { pairedAsync, type Summary } from './stats.js';

export interface IngestResult {
  readonly section: Section;
  /** Per-request handler time through local SQS, by vendor, for the cost model's notes. */
  readonly viaSqs: Readonly<Record<ScenarioVendor, Summary>>;
}

async function measureCase(
  vendorId: ScenarioVendor,
  queue: EventQueue,
  config: BenchConfig,
): Promise<{ subject: Summary; floor: Summary; bytes: number }> {
  const [delivery] = scenarioBodies(vendorId, 1);
  if (!delivery) throw new Error('bench: no delivery');
  // As deployed: one function per vendor, secrets cached, one request at a time.
  const handler = createIngestHandler({
    vendorId,
    secrets: fixtureSecrets(),
    queue,
    log: silentLog,
  });
  const event = apiGatewayEvent(delivery.route, delivery.body, delivery.headers, 'bench-ingest');
  const first = await handler(event);
  if (first.statusCode !== 200) throw new Error(`bench: ingest answered ${first.statusCode}`);
  const { subject, floor } = await pairedAsync(
    () => handler(event),
    () => JSON.parse(delivery.body) as unknown,
    config.ingest,
  );
  return { subject, floor, bytes: Buffer.byteLength(delivery.body) };
}

export async function runIngestBench(
  engines: BenchEngines,
  config: BenchConfig,
): Promise<IngestResult> {
  const rows: RatioRow[] = [];
  const viaSqs: Partial<Record<ScenarioVendor, Summary>> = {};
  for (const vendorId of ['treezor', 'idwise'] as const) {
    const sqs = new SqsEventQueue(engines.clients.sqs, engines.timingQueueUrl);
    const real = await measureCase(vendorId, sqs, config);
    viaSqs[vendorId] = real.subject;
    const memory = await measureCase(vendorId, new CaptureQueue(), config);
    const floorLabel = `JSON.parse of the same ${real.bytes} B body`;
    rows.push(
      {
        label: `${vendorId}: ingest handler, SqsEventQueue on local-aws-sqs`,
        floorLabel,
        subject: real.subject,
        floor: real.floor,
        quantity: 'time-ns',
      },
      {
        label: `${vendorId}: ingest handler, in-memory queue`,
        floorLabel,
        subject: memory.subject,
        floor: memory.floor,
        quantity: 'time-ns',
      },
    );
  }
  return {
    section: {
      title: '2. Ingest handler cost per request, in process',
      intro:
        '`createIngestHandler` (one vendor per function, as deployed) on an API Gateway v2 event ' +
        'with the vendor’s signed body, secrets already cached, the real `SqsEventQueue` over the ' +
        'local engine — then with an in-memory queue, which leaves only our code: decode, ' +
        'size check, verify, serialise.',
      ratios: rows,
      notes: [
        'The logger is a no-op here; deployed at INFO, each request also writes one JSON log ' +
          'line (its size is in the cost model).',
        'The SQS rows include a loopback HTTP round trip to local-aws-sqs and the SDK’s request ' +
          'signing and serialisation; on AWS the round trip is a network call instead.',
      ],
    },
    viaSqs: viaSqs as Record<ScenarioVendor, Summary>,
  };
}
