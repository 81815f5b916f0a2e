import { AsyncLocalStorage } from 'node:async_hooks';
import type { Random } from './random.js';

/**
 * Who is making an AWS call: one vendor attempt at ingest, or one processor invocation. Fault
 * injectors sit in shared SDK clients and ports, and learn from this which attempt a call
 * belongs to, so a fault is drawn and recorded for that attempt alone.
 */

export interface IngestAttempt {
  readonly kind: 'ingest';
  readonly rng: Random;
  /** Labels of the faults injected into this attempt. */
  readonly faults: string[];
}

/** The processor side: see `Invocation`. */
export interface ProcessorCall {
  readonly kind: 'processor';
}

const storage = new AsyncLocalStorage<IngestAttempt | ProcessorCall>();

export function runAs<C extends IngestAttempt | ProcessorCall, T>(context: C, work: () => T): T {
  return storage.run(context, work);
}

export function currentCall(): IngestAttempt | ProcessorCall | undefined {
  return storage.getStore();
}
