import { SCHEMA_VERSION, type EventDetail } from '../core/event.js';
import { TABLE_SCHEMA } from './dynamo-schema.js';

const PK = TABLE_SCHEMA.partitionKey;
const LOOKUP = TABLE_SCHEMA.lookupIndex;
const LEGACY = TABLE_SCHEMA.legacySubjectIndex;

/** Detail members an event item's keys already hold, in the item and in its index entry. */
type KeyedMembers = 'eventId' | 'vendor' | 'occurredAt';

/**
 * Detail members nearly every event holds at the same value: a subject's first event has no
 * previous status, events arrive in order, and the contract is at its first version. Stored only
 * when they differ, since the detail is stored twice (in the item and in its index entry).
 */
const DEFAULTS = {
  schemaVersion: SCHEMA_VERSION,
  previousStatus: null,
  outOfOrder: false,
} as const satisfies Partial<EventDetail>;

type DefaultedMembers = keyof typeof DEFAULTS;

/** The detail as an event item stores it (see `storedDetail`). */
export type StoredDetail = Omit<EventDetail, KeyedMembers | DefaultedMembers> &
  Partial<Pick<EventDetail, DefaultedMembers>>;

/**
 * The normalized detail as an event item stores it: without what its keys say already — the
 * eventId (the item's key), the vendor (the eventId's prefix, `<vendor>:…`) and the vendor time
 * (the lookup index's sort key) — nor the members at their `DEFAULTS`.
 */
export function storedDetail(detail: EventDetail): StoredDetail {
  const { eventId: _eventId, vendor: _vendor, occurredAt: _occurredAt, ...stored } = detail;
  const differing = Object.entries(stored).filter(
    ([name, value]) => !(name in DEFAULTS && DEFAULTS[name as DefaultedMembers] === value),
  );
  return Object.fromEntries(differing) as StoredDetail;
}

/**
 * The whole detail of an event item, or of its index entry (which projects its keys and the
 * stored detail). Items written before hold more members (their keys' and their defaults'
 * copies, or every one) and read as they are: a stored member wins.
 */
export function detailOf(item: Readonly<Record<string, unknown>>): EventDetail {
  const stored = item[TABLE_SCHEMA.eventAttributes.detail] as Partial<EventDetail>;
  const eventId = stored.eventId ?? String(item[PK]);
  return {
    ...DEFAULTS,
    ...stored,
    eventId,
    vendor: stored.vendor ?? eventId.slice(0, eventId.indexOf(':')),
    occurredAt: stored.occurredAt ?? String(item[LOOKUP.sortKey] ?? item[LEGACY.sortKey]),
  } as EventDetail;
}
