import { setTimeout as sleep } from 'node:timers/promises';
import type { HttpHandler } from '../local/http-server.js';
import { runAs, type IngestAttempt } from './call-context.js';
import { SOAK_SOURCE_IP } from './delivery-factory.js';
import { postEvent } from './gateway-event.js';
import type { Ledger } from './ledger.js';
import { keyed } from './random.js';
import type { Scenario, Send } from './scenario.js';

/** Ingest as API Gateway invokes it. */
export type IngestHandler = HttpHandler;

export interface TrafficOptions {
  readonly scenario: Scenario;
  readonly ingest: IngestHandler;
  readonly ledger: Ledger;
  /** Deliveries in flight at once, as several vendors' workers would have. */
  readonly concurrency: number;
  /** A vendor gives up after this many attempts (real ones retry for hours; none should). */
  readonly maxAttempts: number;
}

/**
 * Plays the vendors: each wave of the scenario is posted in order by a pool of workers, the
 * copies of a concurrent repeat at the same moment. A genuine delivery is retried, with a short
 * back-off, until it is acknowledged 2xx, as vendors retry any other answer. A forgery is sent
 * once and must be refused.
 */
export async function sendTraffic(options: TrafficOptions): Promise<void> {
  const { scenario } = options;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < scenario.waves.length) {
      const wave = scenario.waves[next];
      next += 1;
      if (wave) await Promise.all(wave.map((send) => deliver(send, options)));
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
}

async function deliver(send: Send, options: TrafficOptions): Promise<void> {
  const { ingest, ledger, scenario, maxAttempts } = options;
  for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
    const context: IngestAttempt = {
      kind: 'ingest',
      rng: keyed(scenario.seed, 'ingest', send.id, attempt),
      faults: [],
    };
    const answer = await runAs(context, () =>
      ingest(
        postEvent({
          route: send.route,
          body: send.body,
          headers: send.headers,
          sourceIp: SOAK_SOURCE_IP,
          requestId: `${send.id}#${attempt}`,
          now: new Date(),
        }),
      ),
    );
    for (const label of context.faults) ledger.fault(label);
    // API Gateway answers 500 when the function gives no status; count it as such.
    const status = answer.statusCode ?? 500;
    ledger.answered(status);
    const ok = status >= 200 && status < 300;
    if (!send.event) {
      if (ok) ledger.forgeriesAccepted += 1;
      else ledger.refusedForgery(status);
      return;
    }
    if (ok) {
      ledger.acknowledged.set(send.id, attempt);
      return;
    }
    if (status < 500) {
      ledger.genuineRefused += 1;
      return;
    }
    await sleep(5 + context.rng.int(0, 20) * Math.min(attempt, 5));
  }
  ledger.abandoned += 1;
}
