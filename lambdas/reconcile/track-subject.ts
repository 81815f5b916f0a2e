import type { EventDetail } from '../core/event.js';
import type { Vendor } from '../core/vendor.js';
import { reconciles, type OpenSubjects } from './open-subjects.js';

/**
 * Follows one published event into the open-subjects store: a status with a reconciliation
 * window opens (or moves) the subject, any other closes it. An out-of-order event changed nothing,
 * so it changes nothing here either. A vendor whose subjects are not tracked is left alone.
 */
export async function trackSubject(
  vendor: Vendor,
  detail: EventDetail,
  subjects: OpenSubjects,
): Promise<void> {
  const api = vendor.api;
  if (!api || !reconciles(api) || !api.subjectKinds.includes(detail.subject.kind)) return;
  if (detail.outOfOrder) return;
  const subject = { kind: detail.subject.kind, id: detail.subject.id };
  if (api.reconcileAfterMinutes[detail.status] === undefined) {
    await subjects.close(vendor.id, subject, detail.occurredAt);
  } else {
    await subjects.open({
      vendor: vendor.id,
      subject,
      status: detail.status,
      since: detail.occurredAt,
      eventId: detail.eventId,
    });
  }
}
