import { describe, expect, it } from 'vitest';
import { figureLine, renderLoad } from '../../bench/load-report.js';
import { runLoad } from '../../bench/load-run.js';
import { BUILT_IN_VENDORS } from '../../lambdas/vendors/registry.js';
import { dynamodbEndpoint } from '../support/local-pipeline.js';

/**
 * `npm run load` end to end, tiny (`smoke`: two half-second ramp steps and one short hold): the
 * whole local pipeline starts, the client process sends genuine deliveries for every vendor over
 * HTTP, every acknowledged delivery is published, and the report ends with the figure line. No
 * rate is asserted: a figure from a shared test machine means nothing, only that one is produced.
 */

describe('load run (smoke mode)', () => {
  it('drives the local pipeline, publishes what it acknowledged, and reports the figure', async () => {
    const result = await runLoad({ mode: 'smoke', dynamodbEndpoint: dynamodbEndpoint() });

    expect(result.vendors).toEqual(
      expect.arrayContaining(BUILT_IN_VENDORS.map((vendor) => vendor.id)),
    );
    expect(result.ramp.map((step) => step.concurrency)).toEqual([1, 2]);
    expect(result.holds).toHaveLength(1);
    expect(result.totals.sent).toBeGreaterThan(0);
    expect(result.totals.acknowledged).toBe(result.totals.sent);
    expect(result.totals.unpublished).toBe(0);
    expect(result.totals.deadLettered).toBe(0);
    for (const step of [...result.ramp, ...result.holds]) {
      expect(step.errors.size).toBe(0);
      expect(step.ingestMs.p50).toBeGreaterThan(0);
    }
    expect(['ingest HTTP', 'SQS', 'processor', 'DynamoDB Local']).toContain(
      result.saturation.stage,
    );

    const report = renderLoad(result);
    expect(report).not.toMatch(/NaN|undefined|Infinity/);
    const lines = report.trimEnd().split('\n');
    expect(lines.at(-1)).toBe(figureLine(result));
    expect(lines.at(-1)).toMatch(
      /^load: local pipeline sustained \d+ deliveries\/s end to end \(\d+ cores\)$/,
    );
  }, 180_000);
});
