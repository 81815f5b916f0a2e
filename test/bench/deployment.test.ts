import { describe, expect, it } from 'vitest';
import { describeDeployment } from '../../bench/deployment.js';
import { VENDORS } from '../../lambdas/vendors/registry.js';

describe('the default deployment the cost model prices', () => {
  it('is read from the stack synthesized with cdk.json: retention, resources, log levels', () => {
    const deployment = describeDeployment();
    expect(deployment).toMatchObject({
      // Every registered vendor (the suite registers a sample vendor beside the built-in five),
      // each with its own secret.
      vendors: VENDORS.length,
      secrets: VENDORS.length,
      dashboards: 1,
      retentionDays: 90,
      archiveRetentionDays: 90,
      logRetentionDays: 30,
      // The ingest functions keep no platform records; the processor keeps Lambda's default.
      systemLogLevels: { ingest: 'WARN', processor: 'INFO' },
    });
    expect(deployment.alarmMetrics).toBeGreaterThanOrEqual(deployment.alarms);
  }, 60_000);
});
