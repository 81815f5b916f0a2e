import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ENV } from '../../lambdas/runtime/env.js';
import { VENDORS } from '../../lambdas/vendors/registry.js';
import { deliveryFilterPattern } from '../../lib/constructs/delivery-metric-filters.js';
import { environmentOf, resourcesOf, synthStack } from './synth-stack.js';

/**
 * The ingest functions write no metric lines; each one's log group counts its delivery lines
 * with one metric filter per delivery metric, publishing what the alarms and the dashboard read:
 * the names, namespace, dimensions and units the functions' EMF used. The patterns are written
 * out here as CloudWatch Logs reads them.
 */

const AUTHENTICATION_FAILURE_REASONS = [
  'missing_authorization',
  'invalid_authorization',
  'expired_token',
  'revoked_client',
  'foreign_token',
  'missing_signature',
  'invalid_signature',
  'ip_not_allowed',
];

const expectedFilters = (namespace: string) => [
  {
    FilterPattern: '{ ($.result = "accepted") || ($.result = "refused") || ($.result = "failed") }',
    MetricTransformations: [
      {
        MetricNamespace: namespace,
        MetricName: 'Deliveries',
        MetricValue: '1',
        Unit: 'Count',
        Dimensions: [{ Key: 'outcome', Value: '$.result' }],
      },
    ],
  },
  {
    FilterPattern:
      '{ ($.result = "refused") && (' +
      AUTHENTICATION_FAILURE_REASONS.map((reason) => `($.reason = "${reason}")`).join(' || ') +
      ') && ($.vendor = "*") }',
    MetricTransformations: [
      {
        MetricNamespace: namespace,
        MetricName: 'AuthenticationFailures',
        MetricValue: '1',
        Unit: 'Count',
        Dimensions: [{ Key: 'vendor', Value: '$.vendor' }],
      },
    ],
  },
  {
    FilterPattern: '{ ($.result = "refused") && ($.reason = "no_credentials_configured") }',
    MetricTransformations: [
      {
        MetricNamespace: namespace,
        MetricName: 'MissingCredentials',
        MetricValue: '1',
        Unit: 'Count',
      },
    ],
  },
];

/** The metric filters of each log group, keyed by the log group's logical id. */
function filtersByLogGroup(template: Template): Map<string, Record<string, unknown>[]> {
  const found = new Map<string, Record<string, unknown>[]>();
  for (const [, filter] of resourcesOf(template, 'AWS::Logs::MetricFilter')) {
    const { LogGroupName, ...rest } = filter.Properties as { LogGroupName: { Ref: string } };
    found.set(LogGroupName.Ref, [...(found.get(LogGroupName.Ref) ?? []), rest]);
  }
  return found;
}

/** Each ingest function's log group (logical id), keyed by its vendor. */
function ingestLogGroups(template: Template): Map<string, string> {
  const found = new Map<string, string>();
  for (const [, fn] of resourcesOf(template, 'AWS::Lambda::Function')) {
    const vendor = environmentOf(fn)[ENV.vendor];
    const logGroup = (fn.Properties['LoggingConfig'] as { LogGroup: { Ref: string } }).LogGroup;
    if (typeof vendor === 'string') found.set(vendor, logGroup.Ref);
  }
  return found;
}

describe('delivery metric filters', () => {
  const template = synthStack({ vendors: VENDORS.map((vendor) => vendor.id) });
  const filters = filtersByLogGroup(template);
  const logGroups = ingestLogGroups(template);

  it('gives every ingest function’s log group one filter per delivery metric', () => {
    expect([...logGroups.keys()].sort()).toEqual(VENDORS.map((vendor) => vendor.id).sort());
    for (const [vendor, logGroup] of logGroups) {
      expect(filters.get(logGroup), vendor).toEqual(expectedFilters('KycWebhooks'));
    }
  });

  it('puts delivery metric filters on no other log group', () => {
    const ingest = new Set(logGroups.values());
    const elsewhere = [...filters]
      .filter(([logGroup]) => !ingest.has(logGroup))
      .flatMap(([, list]) => list)
      .map(
        (filter) => (filter['MetricTransformations'] as { MetricName: string }[])[0]?.MetricName,
      );
    expect(elsewhere).toEqual(['ThrottledRequests']);
  });

  it('publishes a stage’s delivery metrics in the stage’s namespace', () => {
    const staging = synthStack({ vendors: ['treezor'] }, { stage: 'staging' });
    const [logGroup] = ingestLogGroups(staging).values();
    expect(filtersByLogGroup(staging).get(logGroup ?? '')).toEqual(
      expectedFilters('KycWebhooks-staging'),
    );
  });

  it('refuses a rule whose pattern CloudWatch Logs would refuse (over 1024 characters)', () => {
    const reasons = Array.from({ length: 40 }, () => 'invalid_authorization' as const);
    expect(() =>
      deliveryFilterPattern({
        metric: 'MissingCredentials',
        results: ['refused'],
        reasons,
        dimensions: {},
      }),
    ).toThrow(
      /MissingCredentials: its filter pattern is \d+ characters, over CloudWatch Logs' 1024/,
    );
  });
});
