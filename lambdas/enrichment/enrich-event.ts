import { PoisonMessageError } from '../core/errors.js';
import { field, isObject, parseJson, text } from '../core/json.js';
import { findVendor } from '../vendors/registry.js';
import { askVendorApi, type AskDeps, type AskOutcome } from './ask-vendor-api.js';

/** What became of one published event handed to enrichment. */
export type EnrichOutcome = AskOutcome | 'not-a-trigger';

/**
 * Enriches one published event, as its EventBridge rule delivers it to the enrichment queue:
 * when its vendor's API declares the event a trigger, asks that API for the subject's result
 * (see `askVendorApi`). Anything else is `not-a-trigger` (the rule should not have sent it).
 * A body that is not a published event is poison: the queue dead-letters it after its retries.
 */
export async function enrichEvent(body: string, deps: AskDeps): Promise<EnrichOutcome> {
  const detail = field(parseJson(body), 'detail');
  const vendorId = text(field(detail, 'vendor'));
  const eventId = text(field(detail, 'eventId'));
  const eventType = text(field(detail, 'vendorEventType'));
  const subject = field(detail, 'subject');
  const kind = text(field(subject, 'kind'));
  const id = text(field(subject, 'id'));
  if (!vendorId || !eventId || !eventType || !isObject(subject) || !kind || !id) {
    throw new PoisonMessageError('not a published event');
  }
  const vendor = findVendor(vendorId);
  const api = vendor?.api;
  if (!vendor || !api?.enrichAfter.includes(eventType) || !api.subjectKinds.includes(kind)) {
    return 'not-a-trigger';
  }
  return askVendorApi(
    { vendor, subject: { kind, id }, origin: 'enrichment', confirmsEventId: eventId },
    deps,
  );
}
