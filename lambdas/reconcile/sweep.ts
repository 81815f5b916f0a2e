import { findVendor } from '../vendors/registry.js';
import { askVendorApi, type AskDeps, type AskOutcome } from '../enrichment/ask-vendor-api.js';
import { isDue, reconciles, type OpenSubject, type OpenSubjects } from './open-subjects.js';

export interface SweepOptions {
  /** Only this vendor's subjects. @default every vendor that reconciles */
  readonly vendor?: string;
  /** Only subjects whose status was set at or after this instant. @default any */
  readonly since?: Date;
  /** List what is due without asking any API. */
  readonly dryRun?: boolean;
}

export interface SweepDeps extends AskDeps {
  readonly subjects: OpenSubjects;
}

/** One due subject and what asking about it came to (`due` on a dry run). */
export interface SweepEntry {
  readonly open: OpenSubject;
  readonly outcome: AskOutcome | 'due' | 'failed';
  /** Why asking failed: the error's message (no credentials or answers are in it). */
  readonly error?: string;
}

export interface SweepReport {
  /** Open subjects looked at (after the vendor and `since` filters). */
  readonly open: number;
  readonly entries: readonly SweepEntry[];
}

/**
 * The reconciliation sweep: asks each vendor's API about every subject left in a status past
 * that status's window (declared in the vendor's file), and queues what it learns through the
 * ingest queue, marked `reconciliation`, so the processor orders and deduplicates it like any
 * delivery (a subject whose state the API confirms unchanged is stored once, however many sweeps
 * ask). One failure does not stop the sweep; it is reported and the subject is asked again next time.
 */
export async function sweep(options: SweepOptions, deps: SweepDeps): Promise<SweepReport> {
  const now = deps.now();
  const entries: SweepEntry[] = [];
  let open = 0;
  for await (const subject of deps.subjects.list()) {
    if (options.vendor !== undefined && subject.vendor !== options.vendor) continue;
    if (options.since && Date.parse(subject.since) < options.since.getTime()) continue;
    const vendor = findVendor(subject.vendor);
    const api = vendor?.api;
    if (!vendor || !api || !reconciles(api)) continue;
    open += 1;
    if (!isDue(api, subject, now)) continue;
    if (options.dryRun) {
      entries.push({ open: subject, outcome: 'due' });
      continue;
    }
    try {
      const outcome = await askVendorApi(
        { vendor, subject: subject.subject, origin: 'reconciliation' },
        deps,
      );
      entries.push({ open: subject, outcome });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      deps.log.warn('reconciliation failed for a subject', {
        vendor: subject.vendor,
        eventId: subject.eventId,
        error: message,
      });
      entries.push({ open: subject, outcome: 'failed', error: message });
    }
  }
  return { open, entries };
}
