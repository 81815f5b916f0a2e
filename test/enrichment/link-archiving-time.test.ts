import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ApiFindingsMessage } from '../../lambdas/core/vendor-api.js';
import { createEnrichmentHandler } from '../../lambdas/enrichment/enrichment-handler.js';
import {
  LinkRefusedError,
  type FetchedLink,
  type LinkFetcher,
} from '../../lambdas/enrichment/ports.js';
import { sqsEvent, sqsRecord } from '../support/deliveries.js';
import { callbackTrigger, PASS, truuthWorker } from './truuth-worker.js';

/** One link timeout as deployed (10 s); the fetcher below answers after it, on the fake clock. */
const SLOW = 10_000;

/**
 * A link fetcher whose every answer comes `delayMs` after it is asked (fake timers: no real
 * wait): a link to `/refused` is refused for good, one to `/broken` fails for a
 * retry, any other comes back as its own text. Counts the fetches in flight.
 */
class DelayedLinks implements LinkFetcher {
  readonly asked: string[] = [];
  inFlight = 0;
  mostInFlight = 0;

  constructor(private readonly delayMs: (link: string) => number = () => SLOW) {}

  async fetch(link: string): Promise<FetchedLink> {
    this.asked.push(link);
    this.inFlight += 1;
    this.mostInFlight = Math.max(this.mostInFlight, this.inFlight);
    try {
      await new Promise((done) => setTimeout(done, this.delayMs(link)));
      const path = new URL(link).pathname;
      if (path === '/refused') throw new LinkRefusedError('reports.example.com answered 403');
      if (path === '/broken') throw new Error('reports.example.com answered 503');
      return { body: new TextEncoder().encode(link), contentType: 'application/pdf' };
    } finally {
      this.inFlight -= 1;
    }
  }
}

/** Truuth's callback fixture with `names` as its report links, each at `/<name>`. */
function callbackWith(...names: string[]): string {
  const reportUrls = Object.fromEntries(
    names.map((name) => [name, `https://reports.example.com/${name}?X-Amz-Signature=s`]),
  );
  return JSON.stringify({ ...(JSON.parse(PASS) as object), reportUrls });
}

/** A Lambda context with `ms` left at the start, running down with the fake clock. */
function contextWith(ms: number): {
  getRemainingTimeInMillis: () => number;
  elapsed: () => number;
} {
  const start = Date.now();
  return {
    getRemainingTimeInMillis: () => start + ms - Date.now(),
    elapsed: () => Date.now() - start,
  };
}

/** Runs one batch of the callbacks `bodies` (event id → raw body) through the handler. */
async function runBatch(bodies: Record<string, string>, links: DelayedLinks, remainingMs: number) {
  const worker = truuthWorker(bodies, links);
  const context = contextWith(remainingMs);
  const records = Object.keys(bodies).map((id) => sqsRecord(callbackTrigger(id), `msg-${id}`));
  const answer = createEnrichmentHandler(worker.deps)(sqsEvent(...records), context);
  await vi.runAllTimersAsync();
  const response = await answer;
  const queued = worker.queue.messages.map((m) => JSON.parse(m.body) as ApiFindingsMessage);
  return { ...worker, response, queued, elapsed: context.elapsed() };
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe("the enrichment worker's link archiving, against the clock", () => {
  it('downloads a record’s links three at a time: six slow links take two link timeouts, not six', async () => {
    const links = new DelayedLinks();
    const names = ['a', 'b', 'c', 'd', 'e', 'f'];
    const run = await runBatch({ 'truuth:1': callbackWith(...names) }, links, 75_000);

    expect(run.response.batchItemFailures).toEqual([]);
    expect(links.mostInFlight).toBe(3);
    expect(run.elapsed).toBe(2 * SLOW);
    expect(run.queued).toHaveLength(1);
    // In the links' order, whatever order they ended in.
    expect(run.queued[0]!.reading.findings.archived?.map((a) => a.field)).toEqual(
      names.map((name) => `reportUrls.${name}`),
    );
  });

  it('starts no record it has no budget for: those are reported failed unstarted, the others completed', async () => {
    const links = new DelayedLinks();
    const bodies = {
      'truuth:1': callbackWith('a', 'b', 'c'),
      'truuth:2': callbackWith('d', 'e', 'f'),
      'truuth:3': callbackWith('g'),
    };
    // 34 s: the first two records start (34 s, then 24 s left), the third would find 14 s.
    const run = await runBatch(bodies, links, 34_000);

    expect(run.response.batchItemFailures).toEqual([{ itemIdentifier: 'msg-truuth:3' }]);
    expect(run.queued.map((m) => m.confirmsEventId)).toEqual(['truuth:1', 'truuth:2']);
    expect(links.asked.some((link) => link.includes('/g?'))).toBe(false);
    expect(run.elapsed).toBeLessThanOrEqual(34_000);
    const line = run.lines.find((l) => l.message === 'enrichment not started; will retry');
    expect(line).toEqual({
      level: 'warn',
      message: 'enrichment not started; will retry',
      attributes: { messageId: 'msg-truuth:3', reason: 'no_time_left' },
    });
  });

  it('fails a record whose links outlast the time left, whole: nothing queued, no index, in time', async () => {
    const links = new DelayedLinks();
    const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'];
    const run = await runBatch({ 'truuth:1': callbackWith(...names) }, links, 30_000);

    expect(run.response.batchItemFailures).toEqual([{ itemIdentifier: 'msg-truuth:1' }]);
    expect(run.queued).toEqual([]);
    expect([...run.objects.keys()].some((key) => key.endsWith('index.json'))).toBe(false);
    // Two rounds started (30 s, then 20 s left); the third would have found 10 s.
    expect(links.asked).toHaveLength(6);
    expect(run.elapsed).toBeLessThanOrEqual(30_000);
    expect(run.lines).toContainEqual(
      expect.objectContaining({
        level: 'error',
        attributes: expect.objectContaining({ messageId: 'msg-truuth:1', reason: 'no_time_left' }),
      }),
    );
  });

  it('still refuses a refused link and archives the others beside it', async () => {
    const links = new DelayedLinks();
    const run = await runBatch({ 'truuth:1': callbackWith('a', 'refused', 'c') }, links, 75_000);

    expect(run.response.batchItemFailures).toEqual([]);
    const message = run.queued[0]!;
    expect(message.reading.findings.archived?.map((a) => a.field)).toEqual([
      'reportUrls.a',
      'reportUrls.c',
    ]);
    expect(JSON.parse(run.objects.get(message.resultKey) as string)).toMatchObject({
      refused: [{ field: 'reportUrls.refused', reason: 'reports.example.com answered 403' }],
    });
  });

  it('still fails the record on a failing link: no new link starts, those in flight settle, nothing is queued', async () => {
    // The broken link answers first; the two beside it are still on their way.
    const links = new DelayedLinks((link) => (link.includes('/broken?') ? 1_000 : SLOW));
    const bodies = { 'truuth:1': callbackWith('a', 'broken', 'c', 'd', 'e') };
    const run = await runBatch(bodies, links, 75_000);

    expect(run.response.batchItemFailures).toEqual([{ itemIdentifier: 'msg-truuth:1' }]);
    expect(links.asked).toHaveLength(3);
    expect(links.inFlight).toBe(0);
    expect(run.queued).toEqual([]);
    expect(run.lines).toContainEqual(
      expect.objectContaining({
        message: 'link not fetched; will retry',
        attributes: expect.objectContaining({
          field: 'reportUrls.broken',
          host: 'reports.example.com',
        }),
      }),
    );
  });
});
