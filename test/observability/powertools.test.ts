import { Metrics } from '@aws-lambda-powertools/metrics';
import { describe, expect, it } from 'vitest';
import { createIngestHandler } from '../../lambdas/ingest/ingest-handler.js';
import { createProcessorHandler } from '../../lambdas/processor/process-batch.js';
import { createLogger } from '../../lambdas/runtime/lean-log-formatter.js';
import { METRICS, type MetricDefinition, type MetricName } from '../../lambdas/runtime/metrics.js';
import {
  observeInvocations,
  PowertoolsMetricRecorder,
} from '../../lambdas/runtime/observability.js';
import { idwiseMessage, sqsEvent, sqsRecord } from '../support/deliveries.js';
import {
  MemoryEventStore,
  MemoryPublisher,
  MemoryQueue,
  StaticSecretSource,
} from '../support/memory-ports.js';
import { apiGatewayEvent } from '../support/api-gateway.js';
import { captureOutput, lambdaContext } from './capture.js';

const NAMESPACE = 'KycWebhooks';
const AUTH = 'Basic ZGV2OmRldi1pZHdpc2UtcGFzc3dvcmQ=';
// Personal data a vendor may send: none of it may reach a log line or a metric.
const SUBJECT_ID = 'journey-4711-subject';
const FULL_NAME = 'Alexandra Oakfield';
const BODY = JSON.stringify({
  event: 'Finished Journey',
  body: {
    eventId: 'evt-42',
    journeyId: SUBJECT_ID,
    referenceNo: 'customer-ref-77',
    finalDecision: 'Complete',
    personalData: { fullName: FULL_NAME, birthDate: '1990-01-01' },
  },
});

interface EmfLine {
  readonly _aws: {
    readonly CloudWatchMetrics: readonly {
      readonly Namespace: string;
      readonly Dimensions: readonly (readonly string[])[];
      readonly Metrics: readonly { readonly Name: string; readonly Unit: string }[];
    }[];
  };
  readonly [key: string]: unknown;
}

const isEmf = (line: Record<string, unknown>): line is EmfLine => '_aws' in line;
const isLog = (line: Record<string, unknown>) => typeof line['message'] === 'string';

function recorder(serviceName: string): PowertoolsMetricRecorder {
  return new PowertoolsMetricRecorder(new Metrics({ namespace: NAMESPACE, serviceName }));
}

describe('PowertoolsMetricRecorder', () => {
  it('writes one EMF line per set of dimension values, with the catalogue’s dimensions only', async () => {
    const metrics = recorder('kyc-processor');
    const lines = await captureOutput(async () => {
      metrics.record('EventsPublished', 1, {});
      metrics.record('EventsPublished', 1, {});
      metrics.record('LagFromReceipt', 120, {});
      metrics.record('RecordFailures', 1, { reason: 'publish_failed' });
      metrics.record('RecordFailures', 1, { reason: 'poison_message' });
      metrics.flush();
    });
    // Only EMF lines: Powertools warns on stdout about misuse, and there must be none.
    expect(lines.every(isEmf)).toBe(true);
    expect(lines).toHaveLength(3);
    const [totals, ...failures] = lines as EmfLine[];
    // No dimension at all: each metric is one total.
    expect(totals?._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: NAMESPACE,
        Dimensions: [],
        Metrics: [
          { Name: 'EventsPublished', Unit: 'Count' },
          { Name: 'LagFromReceipt', Unit: 'Milliseconds' },
        ],
      },
    ]);
    expect(totals?.['EventsPublished']).toEqual([1, 1]);
    expect(totals?.['LagFromReceipt']).toBe(120);
    expect(
      failures.map((line) => [line._aws.CloudWatchMetrics[0]?.Dimensions, line['reason']]),
    ).toEqual([
      [[['reason']], 'publish_failed'],
      [[['reason']], 'poison_message'],
    ]);
    // No `service`: alarms and the dashboard address metrics by the catalogue's dimensions.
    for (const line of lines) expect(line).not.toHaveProperty('service');
  });

  it('writes nothing when nothing was recorded, and nothing twice', async () => {
    const metrics = recorder('kyc-token-ondato');
    const lines = await captureOutput(async () => {
      metrics.flush();
      metrics.record('TokenRequests', 1, { outcome: 'issued', reason: 'none' });
      metrics.flush();
      metrics.flush();
    });
    expect(lines).toHaveLength(1);
  });

  it('declares for every metric the dimensions the catalogue lists', async () => {
    const metrics = recorder('kyc-all');
    const names = Object.keys(METRICS) as MetricName[];
    const declared = new Map<string, string[][]>();
    for (const name of names) {
      const definition: MetricDefinition = METRICS[name];
      const dimensions = Object.fromEntries(
        definition.dimensions.map((dimension) => [dimension, `${dimension}-value`]),
      );
      // Each metric alone, so each line declares one metric's dimensions.
      const lines = await captureOutput(async () => {
        (metrics.record as (n: MetricName, v: number, d: Record<string, string>) => void)(
          name,
          1,
          dimensions,
        );
        metrics.flush();
      });
      declared.set(
        name,
        lines
          .filter(isEmf)
          .flatMap((line) =>
            line._aws.CloudWatchMetrics.flatMap((d) => d.Dimensions.map((set) => [...set])),
          ),
      );
    }
    for (const name of names) {
      const definition: MetricDefinition = METRICS[name];
      // Powertools declares no dimension set at all for a metric without dimensions.
      const sets = definition.dimensions.length === 0 ? [] : [[...definition.dimensions]];
      expect(declared.get(name), name).toEqual(sets);
    }
  });
});

describe('observeInvocations', () => {
  function ingestFunction(queue = new MemoryQueue()) {
    const logger = createLogger({ serviceName: 'kyc-ingest-idwise', logLevel: 'INFO' });
    // As lambdas/ingest/handler.ts composes it: no metrics, its delivery lines are counted.
    const handler = observeInvocations(
      createIngestHandler({
        vendorId: 'idwise',
        secrets: new StaticSecretSource({ idwise: { headers: { authorization: [AUTH] } } }),
        queue,
        log: logger,
      }),
      {
        logger,
        correlationId: (event: ReturnType<typeof apiGatewayEvent>) =>
          event.requestContext.requestId,
      },
    );
    return { handler, queue };
  }

  const delivery = (requestId: string, authorization = AUTH) =>
    apiGatewayEvent({
      path: '/webhooks/idwise',
      body: BODY,
      headers: { authorization, 'content-type': 'application/json', 'x-customer-email': 'a@b.c' },
      requestId,
    });

  it('gives every ingest log line the API request id and the Lambda request id', async () => {
    const { handler } = ingestFunction();
    const contexts = [lambdaContext(), lambdaContext()];
    const lines = await captureOutput(async () => {
      await handler(delivery('api-req-A'), contexts[0]!);
      await handler(delivery('api-req-B', 'Basic d3Jvbmc6d3Jvbmc='), contexts[1]!);
    });
    const logs = lines.filter(isLog);
    expect(logs.map((line) => line['message'])).toEqual(['delivery accepted', 'delivery refused']);
    expect(logs[0]).toMatchObject({
      requestId: 'api-req-A',
      function_request_id: contexts[0]!.awsRequestId,
      vendor: 'idwise',
      dedupId: 'evt-42',
    });
    // The second invocation does not inherit the first one's correlation id.
    expect(logs[1]).toMatchObject({
      requestId: 'api-req-B',
      function_request_id: contexts[1]!.awsRequestId,
      reason: 'invalid_authorization',
    });
    // One line per delivery and no metric line: metric filters count the delivery lines.
    expect(lines).toEqual(logs);
  });

  it('writes lean lines: level, message, the request ids and the line’s own fields', async () => {
    // Powertools counts a cold start only where Lambda says the instance started on demand.
    const initialization = process.env['AWS_LAMBDA_INITIALIZATION_TYPE'];
    process.env['AWS_LAMBDA_INITIALIZATION_TYPE'] = 'on-demand';
    const { handler } = ingestFunction();
    const context = lambdaContext();
    const trace = process.env['_X_AMZN_TRACE_ID'];
    try {
      process.env['_X_AMZN_TRACE_ID'] = 'Root=1-6744a1b2-5c3d2e1f0a9b8c7d6e5f4a3b;Sampled=0';
      const unsampled = (await captureOutput(() => handler(delivery('api-req-L'), context)))
        .filter(isLog)
        .at(0);
      process.env['_X_AMZN_TRACE_ID'] = 'Root=1-6744a1b2-5c3d2e1f0a9b8c7d6e5f4a3b;Sampled=1';
      const sampled = (await captureOutput(() => handler(delivery('api-req-M'), context)))
        .filter(isLog)
        .at(0);
      expect(Object.keys(unsampled ?? {}).slice(0, 4)).toEqual([
        'level',
        'message',
        'function_request_id',
        'requestId',
      ]);
      for (const key of [
        'timestamp',
        'service',
        'function_arn',
        'function_name',
        'function_memory_size',
        'sampling_rate',
        'correlation_id',
        'xray_trace_id',
      ]) {
        expect(unsampled, key).not.toHaveProperty(key);
      }
      expect(sampled).toMatchObject({
        requestId: 'api-req-M',
        xray_trace_id: '1-6744a1b2-5c3d2e1f0a9b8c7d6e5f4a3b',
      });
      // The instance's first invocation says it was a cold start; later ones say nothing.
      expect(unsampled?.['cold_start']).toBe(true);
      expect(sampled).not.toHaveProperty('cold_start');
    } finally {
      if (trace === undefined) delete process.env['_X_AMZN_TRACE_ID'];
      else process.env['_X_AMZN_TRACE_ID'] = trace;
      if (initialization === undefined) delete process.env['AWS_LAMBDA_INITIALIZATION_TYPE'];
      else process.env['AWS_LAMBDA_INITIALIZATION_TYPE'] = initialization;
    }
  });

  it('correlates the error line when queueing fails', async () => {
    const queue = new MemoryQueue();
    queue.failWith = new Error('SQS unavailable');
    const { handler } = ingestFunction(queue);
    const context = lambdaContext();
    const lines = await captureOutput(() => handler(delivery('api-req-C'), context));
    expect(lines.filter(isLog)).toEqual([
      expect.objectContaining({
        level: 'ERROR',
        message: 'delivery not queued',
        requestId: 'api-req-C',
        function_request_id: context.awsRequestId,
        reason: 'queue_unavailable',
      }),
    ]);
  });

  it('flushes metrics and drops the correlation id when the handler throws', async () => {
    const logger = createLogger({ serviceName: 'kyc-test', logLevel: 'INFO' });
    const metrics = recorder('kyc-test');
    const failing = observeInvocations(
      async (event: { id: string }) => {
        metrics.record('RecordFailures', 1, { reason: 'unexpected_error' });
        logger.info('about to fail', {});
        throw new Error(`failed ${event.id}`);
      },
      { logger, metrics, correlationId: (event) => event.id },
    );
    const lines = await captureOutput(async () => {
      await expect(failing({ id: 'x-1' }, lambdaContext())).rejects.toThrow('failed x-1');
      logger.info('between invocations', {});
    });
    expect(lines.filter(isEmf)).toHaveLength(1);
    const [during, after] = lines.filter(isLog);
    expect(during).toMatchObject({ requestId: 'x-1' });
    expect(after).not.toHaveProperty('requestId');
  });

  it('never writes headers, bodies, subject ids or personal data from a delivery', async () => {
    const { handler } = ingestFunction();
    const lines = await captureOutput(async () => {
      await handler(delivery('api-req-D'), lambdaContext());
      await handler(delivery('api-req-E', 'Bearer stolen-token-123'), lambdaContext());
    });
    const written = JSON.stringify(lines);
    for (const secret of [
      AUTH,
      'stolen-token-123',
      'a@b.c',
      SUBJECT_ID,
      FULL_NAME,
      '1990-01-01',
      'customer-ref-77',
      'Finished Journey',
      // Not the source address: the delivery log records it by design (README, Delivery log),
      // as the API's access log does.
    ]) {
      expect(written).not.toContain(secret);
    }
  });

  it('gives processor lines the Lambda request id, the record’s messageId and the eventId', async () => {
    const logger = createLogger({ serviceName: 'kyc-processor', logLevel: 'INFO' });
    const metrics = recorder('kyc-processor');
    const publisher = new MemoryPublisher();
    const handler = observeInvocations(
      createProcessorHandler({
        store: new MemoryEventStore(),
        publisher,
        now: () => new Date('2026-01-01T00:00:01.000Z'),
        includePayload: true,
        retentionDays: 30,
        log: logger,
        metrics,
      }),
      { logger, metrics },
    );
    const message = { ...idwiseMessage({ eventId: 'evt-42' }), body: BODY };
    publisher.failNext((events) => events.map(() => ({ ok: false, reason: 'InternalFailure' })));
    const context = lambdaContext();
    const lines = await captureOutput(async () => {
      await handler(sqsEvent(sqsRecord(message, 'msg-1'), sqsRecord('not json', 'msg-2')), context);
    });
    const logs = lines.filter(isLog);
    expect(logs).toHaveLength(3);
    for (const line of logs) {
      expect(line).toMatchObject({ function_request_id: context.awsRequestId });
      expect(line['messageId']).toMatch(/^msg-[12]$/);
    }
    expect(logs).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          message: 'event not published',
          eventId: 'idwise:evt-42',
          messageId: 'msg-1',
        }),
        expect.objectContaining({
          message: 'record failed; SQS will retry it',
          reason: 'poison_message',
        }),
      ]),
    );
    const written = JSON.stringify(lines);
    for (const secret of [SUBJECT_ID, FULL_NAME, 'customer-ref-77']) {
      expect(written).not.toContain(secret);
    }
  });
});
