import { PoisonMessageError } from '../core/errors.js';
import type { DetailType, EventDetail } from '../core/event.js';
import { isLinkArchive } from '../core/vendor-api.js';
import { field, isObject, parseJson, text } from '../core/json.js';
import type { OpenSubjects } from '../reconcile/open-subjects.js';
import { trackSubject } from '../reconcile/track-subject.js';
import { findVendor } from '../vendors/registry.js';
import { archiveLinks, type ArchiveDeps } from './archive-links.js';
import { askVendorApi, type AskOutcome } from './ask-vendor-api.js';
import type { RemainingTime } from './time-left.js';

/** What became of one published event handed to the vendor API worker. */
export type EnrichOutcome = AskOutcome | 'not-a-trigger';

export interface EnrichDeps extends ArchiveDeps {
  /** Where subjects awaiting reconciliation are kept. */
  readonly subjects: OpenSubjects;
}

/**
 * Handles one published event as its vendor's rule delivers it to the worker's queue: first
 * follows its subject for reconciliation (see `trackSubject`), then, when the vendor's API
 * declares the event a trigger, asks that API for the subject's result (see `askVendorApi`), or
 * archives the links the stored delivery carries (see `archiveLinks`).
 * Both steps are idempotent, so a retried message repeats them safely. A body that is not a
 * published event is poison: the queue dead-letters it after its retries. `remainingMs` is the
 * invocation's remaining time, which decides whether another link may start.
 */
export async function enrichEvent(
  body: string,
  deps: EnrichDeps,
  remainingMs: RemainingTime,
): Promise<EnrichOutcome> {
  const event = parseJson(body);
  const detail = field(event, 'detail');
  const vendorId = text(field(detail, 'vendor'));
  const eventId = text(field(detail, 'eventId'));
  const eventType = text(field(detail, 'vendorEventType'));
  const subject = field(detail, 'subject');
  const kind = text(field(subject, 'kind'));
  const id = text(field(subject, 'id'));
  const readable =
    vendorId &&
    eventId &&
    eventType &&
    isObject(subject) &&
    kind &&
    id &&
    text(field(detail, 'status')) &&
    text(field(detail, 'occurredAt'));
  if (!readable) throw new PoisonMessageError('not a published event');
  const vendor = findVendor(vendorId);
  const api = vendor?.api;
  if (!vendor || !api) return 'not-a-trigger';
  await trackSubject(vendor, detail as EventDetail, deps.subjects);
  if (!api.enrichAfter.includes(eventType) || !api.subjectKinds.includes(kind)) {
    return 'not-a-trigger';
  }
  if (isLinkArchive(api)) {
    const detailType = text(field(event, 'detail-type')) as DetailType | undefined;
    if (!detailType) throw new PoisonMessageError('not a published event');
    return archiveLinks(vendor, api, detail as EventDetail, detailType, deps, remainingMs);
  }
  return askVendorApi(
    {
      vendor,
      subject: { kind, id },
      origin: 'enrichment',
      confirmsEventId: eventId,
      claimedStatus: (detail as EventDetail).status,
    },
    deps,
  );
}
