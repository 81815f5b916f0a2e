import { describe, expect, it } from 'vitest';
import { DEFAULT_FAULT_RATES } from '../../soak/faults.js';
import { formatReport } from '../../soak/report.js';
import { runSoak, type SoakResult } from '../../soak/run-soak.js';

/*
 * A short soak run inside `npm test`: a few hundred deliveries from every vendor through the
 * real handlers and adapters on the local engines, with faults at every boundary. The full run
 * is `npm run soak` (10,000 deliveries).
 */

describe('soak: acknowledged deliveries under faults', () => {
  it('loses nothing, stores each event once, never regresses a subject, and explains every duplicate', async () => {
    let result: SoakResult | undefined;
    try {
      result = await runSoak({
        deliveries: 300,
        seed: 20_260_101,
        // The shortest visibility timeout keeps retries, and so the run, short.
        visibilityTimeoutSeconds: 1,
        // More hot keys than by default, so that a run this small dead-letters and redrives too.
        rates: { ...DEFAULT_FAULT_RATES, hotEvents: 0.03 },
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
    expect(new Set(scenario.subjects.map((subject) => subject.vendor)).size).toBe(5);
    expect(audit.storedEvents).toBe(scenario.events.length);
    expect(ledger.acknowledged.size).toBe(scenario.deliveries - scenario.forgeries);
    expect([...ledger.refused.values()].reduce((a, b) => a + b, 0)).toBe(scenario.forgeries);
    for (const layer of ['SQS', 'DynamoDB', 'PutEvents', 'crash']) {
      expect([...ledger.faults.keys()].some((label) => label.startsWith(layer))).toBe(true);
    }
    expect(queue.deadLettered).toBeGreaterThan(0);
    expect(queue.redriven).toBe(queue.deadLettered);
  }, 120_000);
});
