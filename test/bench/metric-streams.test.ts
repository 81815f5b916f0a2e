import { describe, expect, it } from 'vitest';
import { metricStreams } from '../../bench/usage.js';

const emf = (dimensions: string[][], values: Record<string, unknown>, metrics: string[]) =>
  JSON.stringify({
    _aws: {
      Timestamp: 0,
      CloudWatchMetrics: [
        {
          Namespace: 'KycWebhooks',
          Dimensions: dimensions,
          Metrics: metrics.map((Name) => ({ Name, Unit: 'Count' })),
        },
      ],
    },
    ...values,
  });

describe('metric streams of EMF lines and filtered delivery lines', () => {
  it('counts each name and set of dimension values once, a vendor as <vendor>', () => {
    const lines = [
      emf([['outcome']], { outcome: 'accepted', Deliveries: 1 }, ['Deliveries']),
      emf([['outcome']], { outcome: 'accepted', Deliveries: 1 }, ['Deliveries']),
      emf([['outcome']], { outcome: 'refused', Deliveries: 1 }, ['Deliveries']),
      emf([['vendor']], { vendor: 'idwise', AuthenticationFailures: 1 }, [
        'AuthenticationFailures',
      ]),
      '{"level":"INFO","message":"not a metric line"}',
    ];
    expect(metricStreams(lines)).toEqual([
      'AuthenticationFailures{vendor=<vendor>}',
      'Deliveries{outcome=accepted}',
      'Deliveries{outcome=refused}',
    ]);
  });

  it('counts a metric without dimensions as one stream of its own', () => {
    const line = emf([], { EventsPublished: 1, LagFromReceipt: 5 }, [
      'EventsPublished',
      'LagFromReceipt',
    ]);
    expect(metricStreams([line, line])).toEqual(['EventsPublished{}', 'LagFromReceipt{}']);
  });

  it('counts the streams the ingest log group’s metric filters publish from delivery lines', () => {
    const line = (fields: Record<string, unknown>) =>
      JSON.stringify({ level: 'INFO', message: 'delivery', requestId: 'api-req-1', ...fields });
    const ingestLines = [
      line({ vendor: 'treezor', result: 'accepted', status: 200 }),
      line({ vendor: 'treezor', result: 'accepted', status: 200 }),
      line({ vendor: 'treezor', result: 'refused', reason: 'invalid_signature' }),
      line({ vendor: 'treezor', result: 'refused', reason: 'no_credentials_configured' }),
      line({ result: 'refused', reason: 'unknown_route' }),
      line({ level: 'ERROR', message: 'refused body not kept' }),
      'START RequestId: 1',
    ];
    expect(metricStreams(ingestLines, { filteredLines: ingestLines })).toEqual([
      'AuthenticationFailures{vendor=<vendor>}',
      'Deliveries{outcome=accepted}',
      'Deliveries{outcome=refused}',
      'MissingCredentials{}',
    ]);
    // Lines of a log group without those filters publish nothing.
    expect(metricStreams(ingestLines)).toEqual([]);
  });
});
