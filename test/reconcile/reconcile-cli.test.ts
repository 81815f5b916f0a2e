import { beforeAll, describe, expect, it } from 'vitest';
import type { SweepAnswer } from '../../lambdas/reconcile/sweep-request.js';
import { sendBody } from '../enrichment/enrichment-support.js';
import { cli } from '../cli/cli-support.js';
import { useTestPipeline } from '../support/local-pipeline.js';
import { waitFor } from '../support/wait.js';

const used = useTestPipeline({ writeInstanceFile: true });
// Only the events file's folder: the CLI finds everything else in the instance file.
const env = (): Record<string, string> => ({ KYC_EVENTS_FILE: used.pipeline.eventsFile });

beforeAll(async () => {
  await sendBody(
    used.test,
    'idwise',
    JSON.stringify({
      event: 'Finished User Steps',
      body: { eventId: 'cli-referred-1', journeyId: 'cli-journey', systemDecision: 'Refer' },
    }),
  );
});

describe('npx kyc-webhooks reconcile against local mode', () => {
  it('sees the open subject, not yet due inside its window, and asks nothing on a dry run', async () => {
    const answer = await waitFor('the subject to be open', async () => {
      const run = await cli(['reconcile', '--dry-run', '--json'], env());
      expect(run.code, run.stderr).toBe(0);
      const parsed = JSON.parse(run.stdout) as SweepAnswer;
      return parsed.open > 0 && parsed;
    });
    // Referred a moment ago: IDWise's in_review window (a day) has not passed.
    expect(answer).toEqual({ open: 1, subjects: [] });
    expect(used.pipeline.enrichment?.standIn.requests ?? []).toEqual([]);
  });

  it('says what it looked at in words', async () => {
    const run = await cli(['reconcile', '--vendor', 'idwise', '--since', '1h'], env());
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/1 open subject\(s\) looked at, 0 past their window/);
  });

  it('filters by vendor and by time', async () => {
    const other = JSON.parse(
      (await cli(['reconcile', '--vendor', 'treezor', '--json'], env())).stdout,
    );
    expect(other).toEqual({ open: 0, subjects: [] });
    const future = await cli(['reconcile', '--since', '2999-01-01', '--json'], env());
    expect(JSON.parse(future.stdout)).toEqual({ open: 0, subjects: [] });
  });

  it('refuses a time it cannot read, and an unknown vendor, as wrong usage', async () => {
    expect((await cli(['reconcile', '--since', 'soon'], env())).code).toBe(2);
    expect((await cli(['reconcile', '--vendor', 'nobody'], env())).code).toBe(2);
  });
});
