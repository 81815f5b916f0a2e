import { isObject } from '../core/json.js';
import type { SweepOptions, SweepReport } from './sweep.js';

/**
 * What asks for a sweep, as JSON: the scheduled rule's event (any object: a full sweep), the
 * CLI's invocation of the deployed function, or its request to local mode.
 */
export interface SweepRequest {
  readonly vendor?: string;
  /** An ISO 8601 instant. */
  readonly since?: string;
  readonly dryRun?: boolean;
}

/** The sweep's options from a request; a malformed member is an error naming it. */
export function readSweepRequest(value: unknown): SweepOptions {
  if (!isObject(value)) return {};
  const { vendor, since, dryRun } = value;
  // The scheduled rule's event has none of these members, so it is a full sweep.
  if (vendor !== undefined && typeof vendor !== 'string') throw new Error('"vendor" must be text');
  if (dryRun !== undefined && typeof dryRun !== 'boolean') {
    throw new Error('"dryRun" must be true or false');
  }
  let sinceDate: Date | undefined;
  if (since !== undefined) {
    sinceDate = typeof since === 'string' ? new Date(since) : new Date(Number.NaN);
    if (Number.isNaN(sinceDate.getTime())) throw new Error('"since" must be an ISO 8601 instant');
  }
  return {
    ...(vendor !== undefined && { vendor }),
    ...(sinceDate && { since: sinceDate }),
    ...(dryRun !== undefined && { dryRun }),
  };
}

/** One line of a sweep's answer: ids, words and outcomes only. */
export interface SweepLine {
  readonly vendor: string;
  readonly kind: string;
  readonly id: string;
  readonly status: string;
  readonly since: string;
  readonly outcome: string;
  readonly error?: string;
}

/** The sweep's answer to its caller. */
export interface SweepAnswer {
  readonly open: number;
  readonly subjects: readonly SweepLine[];
}

export function toSweepAnswer(report: SweepReport): SweepAnswer {
  return {
    open: report.open,
    subjects: report.entries.map(({ open, outcome, error }) => ({
      vendor: open.vendor,
      kind: open.subject.kind,
      id: open.subject.id,
      status: open.status,
      since: open.since,
      outcome,
      ...(error !== undefined && { error }),
    })),
  };
}
