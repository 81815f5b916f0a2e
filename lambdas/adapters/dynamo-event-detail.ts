import type { EventDetail } from '../core/event.js';
import { TABLE_SCHEMA } from './dynamo-schema.js';

const PK = TABLE_SCHEMA.partitionKey;
const LOOKUP = TABLE_SCHEMA.lookupIndex;
const LEGACY = TABLE_SCHEMA.legacySubjectIndex;

/** Detail members an event item's keys already hold, in the item and in its index entry. */
type KeyedMembers = 'eventId' | 'vendor' | 'occurredAt';

/**
 * The normalized detail as an event item stores it: without what its keys say already — the
 * eventId (the item's key), the vendor (the eventId's prefix, `<vendor>:…`) and the vendor time
 * (the lookup index's sort key). Each would otherwise be stored twice, in the item and in its
 * index entry.
 */
export function storedDetail(detail: EventDetail): Omit<EventDetail, KeyedMembers> {
  const { eventId: _eventId, vendor: _vendor, occurredAt: _occurredAt, ...stored } = detail;
  return stored;
}

/**
 * The whole detail of an event item, or of its index entry (which projects its keys and the
 * stored detail). Items written before `storedDetail` hold every member and read as they are.
 */
export function detailOf(item: Readonly<Record<string, unknown>>): EventDetail {
  const stored = item[TABLE_SCHEMA.eventAttributes.detail] as Partial<EventDetail>;
  const eventId = stored.eventId ?? String(item[PK]);
  return {
    ...stored,
    eventId,
    vendor: stored.vendor ?? eventId.slice(0, eventId.indexOf(':')),
    occurredAt: stored.occurredAt ?? String(item[LOOKUP.sortKey] ?? item[LEGACY.sortKey]),
  } as EventDetail;
}
