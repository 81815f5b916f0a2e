import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { DELIVERY_LINES } from '../../lambdas/adapters/logs-insights-delivery-log.js';
import { METRICS, type MetricDefinition, type MetricName } from '../../lambdas/runtime/metrics.js';
import { VENDORS } from '../../lambdas/vendors/registry.js';
import { THROTTLED_REQUESTS_METRIC } from '../../lib/constructs/ingest-api.js';
import { resourcesOf, synthStack } from './synth-stack.js';

interface Widget {
  readonly type: string;
  readonly width: number;
  readonly properties: {
    readonly title?: string;
    readonly alarms?: readonly string[];
    readonly metrics?: readonly (readonly unknown[])[];
    readonly stacked?: boolean;
  };
}

/** The dashboard's body with every CloudFormation token replaced by `TOKEN`. */
function dashboardOf(template: Template): { readonly widgets: readonly Widget[] } {
  const dashboards = resourcesOf(template, 'AWS::CloudWatch::Dashboard');
  expect(dashboards).toHaveLength(1);
  const body = dashboards[0]![1].Properties['DashboardBody'] as { 'Fn::Join': [string, unknown[]] };
  const text = body['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : 'TOKEN'));
  return JSON.parse(text.join('')) as { widgets: Widget[] };
}

function widget(dashboard: { readonly widgets: readonly Widget[] }, title: string): Widget {
  const found = dashboard.widgets.find((w) => w.properties.title === title);
  if (!found) throw new Error(`no widget "${title}"`);
  return found;
}

/** A graphed metric `[namespace, name, dim, value, …, options?]` as its parts. */
function graphed(entry: readonly unknown[]) {
  const last = entry[entry.length - 1];
  const options = (typeof last === 'object' ? last : {}) as {
    label?: string;
    stat?: string;
    expression?: string;
  };
  const plain = entry.filter((part): part is string => typeof part === 'string');
  const [namespace, name, ...pairs] = plain;
  const dimensions: Record<string, string> = {};
  for (let i = 0; i + 1 < pairs.length; i += 2) dimensions[pairs[i]!] = pairs[i + 1]!;
  return { namespace, name, dimensions, options };
}

const metricsOf = (w: Widget) => (w.properties.metrics ?? []).map(graphed);
const vendorIds = VENDORS.map((vendor) => vendor.id);

describe('dashboard', () => {
  const template = synthStack();
  const dashboard = dashboardOf(template);

  it('has the graphs an on-call engineer needs, in the order a delivery travels', () => {
    expect(dashboard.widgets.map((w) => w.properties.title ?? w.type)).toEqual([
      'text',
      'Alarms',
      'Deliveries by outcome',
      'Deliveries by vendor and result (delivery log)',
      'Refused and failed deliveries by reason (delivery log)',
      'Authentication failures by vendor',
      'Delivery body size by vendor (delivery log)',
      'API requests and errors',
      'API latency',
      'Ingest queue depth',
      'Oldest queued message',
      'Dead-letter queue',
      'Processor invocations, errors and throttles',
      'Processor duration',
      'Processor concurrency',
      'Events: published, duplicate, out of order',
      'Failed records by reason',
      'Lag from vendor event time to publication (p50, p99)',
      'Lag from receipt to publication (p50, p99)',
      'Ondato token requests by outcome and reason',
    ]);
  });

  it('opens on the state of every alarm', () => {
    const alarms = widget(dashboard, 'Alarms').properties.alarms ?? [];
    expect(alarms).toHaveLength(resourcesOf(template, 'AWS::CloudWatch::Alarm').length);
  });

  it('graphs deliveries by outcome, and failed authentication per vendor', () => {
    const outcomes = metricsOf(widget(dashboard, 'Deliveries by outcome'));
    expect(outcomes.map((m) => [m.name, m.dimensions, m.options.stat])).toEqual(
      ['accepted', 'refused', 'failed'].map((outcome) => ['Deliveries', { outcome }, 'Sum']),
    );
    const auth = metricsOf(widget(dashboard, 'Authentication failures by vendor'));
    expect(auth.map((m) => [m.name, m.dimensions])).toEqual([
      ...vendorIds.map((vendor) => ['AuthenticationFailures', { vendor }]),
      ['MissingCredentials', {}],
    ]);
  });

  it.each([
    ['Deliveries by vendor and result (delivery log)', 'by vendor, result'],
    ['Refused and failed deliveries by reason (delivery log)', 'by vendor, result, reason'],
    ['Delivery body size by vendor (delivery log)', 'pct(bodyBytes, 99)'],
  ])('queries %s from every ingest function’s delivery lines', (title, stats) => {
    const found = widget(dashboard, title) as unknown as {
      type: string;
      properties: { query: string };
    };
    expect(found.type).toBe('log');
    const sources = found.properties.query.match(/SOURCE 'TOKEN'/g) ?? [];
    expect(sources).toHaveLength(vendorIds.length);
    expect(found.properties.query).toContain(DELIVERY_LINES);
    expect(found.properties.query).toContain(stats);
  });

  it.each([
    [
      'Failed records by reason',
      `SEARCH('{KycWebhooks,reason} MetricName="RecordFailures"', 'Sum', 300)`,
    ],
    [
      'Ondato token requests by outcome and reason',
      `SEARCH('{KycWebhooks,outcome,reason} MetricName="TokenRequests"', 'Sum', 300)`,
    ],
  ])('graphs %s with a search, so only reasons that occurred are drawn', (title, expression) => {
    expect(metricsOf(widget(dashboard, title)).map((m) => m.options.expression)).toEqual([
      expression,
    ]);
  });

  it('graphs published, duplicate, out-of-order, omitted and failed events, one metric each', () => {
    const metrics = metricsOf(widget(dashboard, 'Events: published, duplicate, out of order'));
    expect(metrics.map((m) => [m.name, m.dimensions, m.options.label])).toEqual([
      ['EventsPublished', {}, 'published'],
      ['DuplicateEvents', {}, 'duplicate'],
      ['OutOfOrderEvents', {}, 'out of order'],
      ['PayloadsOmitted', {}, 'payload omitted (too large)'],
      ['PublishFailures', {}, 'publish failed'],
    ]);
  });

  it.each([
    ['Lag from vendor event time to publication (p50, p99)', 'LagFromEventTime'],
    ['Lag from receipt to publication (p50, p99)', 'LagFromReceipt'],
  ])('graphs %s', (title, name) => {
    const metrics = metricsOf(widget(dashboard, title));
    expect(metrics.map((m) => `${m.name} ${m.options.label} ${m.options.stat}`)).toEqual([
      `${name} p50 p50`,
      `${name} p99 p99`,
    ]);
  });

  it('graphs API requests, 4xx, 5xx and the 429s counted from the access log', () => {
    const metrics = metricsOf(widget(dashboard, 'API requests and errors'));
    expect(metrics.map((m) => [m.namespace, m.name])).toEqual([
      ['AWS/ApiGateway', 'Count'],
      ['AWS/ApiGateway', '4xx'],
      ['AWS/ApiGateway', '5xx'],
      ['KycWebhooks', THROTTLED_REQUESTS_METRIC],
    ]);
  });

  it.each([
    ['API latency', 'AWS/ApiGateway', ['Latency', 'Latency', 'IntegrationLatency']],
    [
      'Ingest queue depth',
      'AWS/SQS',
      ['ApproximateNumberOfMessagesVisible', 'ApproximateNumberOfMessagesNotVisible'],
    ],
    ['Oldest queued message', 'AWS/SQS', ['ApproximateAgeOfOldestMessage']],
    ['Dead-letter queue', 'AWS/SQS', ['ApproximateNumberOfMessagesVisible']],
    [
      'Processor invocations, errors and throttles',
      'AWS/Lambda',
      ['Invocations', 'Errors', 'Throttles'],
    ],
    ['Processor duration', 'AWS/Lambda', ['Duration', 'Duration', 'Duration']],
    ['Processor concurrency', 'AWS/Lambda', ['ConcurrentExecutions']],
  ])('graphs %s from AWS metrics', (title, namespace, names) => {
    const metrics = metricsOf(widget(dashboard, title));
    expect(metrics.map((m) => m.name)).toEqual(names);
    for (const metric of metrics) expect(metric.namespace).toBe(namespace);
  });

  it.each([
    ['Oldest queued message', 300],
    ['Dead-letter queue', 1],
  ])('marks where the alarm fires on %s', (title, value) => {
    const annotations = (
      widget(dashboard, title).properties as {
        annotations?: { horizontal?: { value: number; label: string }[] };
      }
    ).annotations?.horizontal;
    expect(annotations).toEqual([expect.objectContaining({ value, label: 'alarm' })]);
  });

  it('reads every KycWebhooks metric by a dimension set the functions publish', () => {
    const published = (name: string) => {
      const definition: MetricDefinition = METRICS[name as MetricName];
      return [...definition.dimensions].sort().join(',');
    };
    // Not the 429 count: the stack makes it from the access log, no function publishes it.
    const ours = dashboard.widgets
      .flatMap(metricsOf)
      .filter((m) => m.namespace === 'KycWebhooks' && m.name !== THROTTLED_REQUESTS_METRIC);
    expect(ours.length).toBeGreaterThan(0);
    for (const metric of ours) {
      expect(published(metric.name!)).toBe(Object.keys(metric.dimensions).sort().join(','));
    }
  });

  it('leaves the token graph out when Ondato is not deployed', () => {
    const titles = dashboardOf(synthStack({ vendors: ['treezor'] })).widgets.map(
      (w) => w.properties.title,
    );
    expect(titles).not.toContain('Ondato token requests by outcome and reason');
    expect(titles).toContain('Deliveries by outcome');
  });

  it('is linked from the stack outputs', () => {
    template.hasOutput('DashboardUrl', {});
  });
});
