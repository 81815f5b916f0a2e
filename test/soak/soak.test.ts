import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_FAULT_RATES, FAULT_KINDS } from '../../soak/faults.js';
import { formatReport } from '../../soak/report.js';
import { runSoak, type SoakResult } from '../../soak/run-soak.js';
import { dynamodbEndpoint } from '../support/local-pipeline.js';
import { VENDORS } from '../../lambdas/vendors/registry.js';

/*
 * A short soak run inside `npm test`: a few hundred deliveries from every vendor through the
 * real handlers and adapters on the local engines, with faults at every boundary. The full run
 * is `npm run soak` (10,000 deliveries).
 *
 * The seed fixes the traffic and each fault decision; how the pollers batch the work is up to
 * the scheduler (a loaded machine makes fewer, larger batches). Every kind of fault strikes at
 * least once whatever the batching (`FaultSwitch`), so the assertions below hold on any machine.
 */

/**
 * The development secrets, plus the fixture credentials of any vendor that ships none (one
 * defined in the tests), so the soak runs over every registered vendor.
 */
function secretsForEveryVendor(): string {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const local = JSON.parse(readFileSync(join(root, 'config/local-secrets.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  const missing = VENDORS.filter((vendor) => !Object.hasOwn(local, vendor.id)).map((vendor) => [
    vendor.id,
    JSON.parse(readFileSync(join(root, 'test/fixtures', vendor.id, 'credentials.json'), 'utf8')),
  ]);
  const file = join(mkdtempSync(join(tmpdir(), 'kyc-soak-secrets-')), 'secrets.json');
  writeFileSync(file, JSON.stringify({ ...local, ...Object.fromEntries(missing) }));
  return file;
}

describe('soak: acknowledged deliveries under faults', () => {
  it('loses nothing, stores each event once, never regresses a subject, and explains every duplicate', async () => {
    let result: SoakResult | undefined;
    try {
      result = await runSoak({
        deliveries: 300,
        secretsFile: secretsForEveryVendor(),
        seed: 20_260_101,
        // The default 2 s: 1 s gives a batch 0.5 s, which DynamoDB Local (milliseconds a call,
        // not dynalite's tenths) misses by the dozen on a loaded machine, and the killed
        // batches then make the run longer, not shorter.
        visibilityTimeoutSeconds: 2,
        // More hot keys than by default, so that a run this small dead-letters and redrives too.
        rates: { ...DEFAULT_FAULT_RATES, hotEvents: 0.03 },
        dynamodbEndpoint: dynamodbEndpoint(),
      });
    } finally {
      if (result && !result.verdict.ok) console.log(formatReport(result));
    }
    const { audit, ledger, queue, scenario, verdict } = result;

    expect(verdict.failures).toEqual([]);
    expect(audit.lost.count).toBe(0);
    expect(audit.storedTwice.count).toBe(0);
    expect(audit.regressions.count).toBe(0);
    expect(audit.duplicates.unexplained.count).toBe(0);
    expect(audit.subjectsInconsistent.count).toBe(0);
    expect(queue.deadLetteredAtEnd).toBe(0);

    // The run did what it claims: every vendor, every kind of fault, the DLQ and its redrive.
    expect(new Set(scenario.subjects.map((subject) => subject.vendor)).size).toBe(VENDORS.length);
    expect(audit.storedEvents).toBe(scenario.events.length);
    expect(ledger.acknowledged.size).toBe(scenario.deliveries - scenario.forgeries);
    expect([...ledger.refused.values()].reduce((a, b) => a + b, 0)).toBe(scenario.forgeries);
    expect(FAULT_KINDS.filter((kind) => !result.faults.has(kind))).toEqual([]);
    const labels = [...ledger.faults.keys()];
    for (const layer of [
      'SQS',
      'DynamoDB',
      'DynamoDB TransactWriteItems cancelled',
      'PutEvents',
      'crash',
    ]) {
      expect(labels.some((label) => label.startsWith(layer))).toBe(true);
    }
    for (const reason of [
      'ConditionalCheckFailed on the event',
      'ConditionalCheckFailed on the subject',
      'TransactionConflict',
      'ThrottlingError',
    ]) {
      expect(labels.some((label) => label.includes(reason))).toBe(true);
    }
    expect(queue.deadLettered).toBeGreaterThan(0);
    expect(queue.redriven).toBe(queue.deadLettered);
  }, 120_000);
});
