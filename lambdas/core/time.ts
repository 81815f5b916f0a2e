/**
 * Event times are canonical ISO 8601 instants in UTC with millisecond precision
 * (`Date#toISOString`), so comparing two of them as strings compares them in time, and the
 * subject index sorts them correctly. Finer vendor precision is truncated, not rounded.
 */

/** Instants with a four-digit year; outside them ISO 8601 writes `+010000-…` or `-000001-…`. */
const CANONICAL_MS = {
  first: Date.parse('0000-01-01T00:00:00.000Z'),
  last: Date.parse('9999-12-31T23:59:59.999Z'),
};

/**
 * Epoch milliseconds → canonical instant; `undefined` for non-finite or out-of-range input,
 * including years past 9999: their ISO form (`+275760-09-13T…`) is not canonical and sorts
 * before every real time, so a vendor time far in the future would read as the oldest.
 */
export function instantFromEpochMillis(ms: number): string | undefined {
  if (!Number.isFinite(ms)) return undefined;
  const floored = Math.floor(ms);
  if (floored < CANONICAL_MS.first || floored > CANONICAL_MS.last) return undefined;
  return new Date(floored).toISOString();
}

/**
 * Any ISO 8601 date-time with a zone (`Z` or `±hh:mm`) and up to 9 fractional digits →
 * canonical instant. A time without a zone is read as UTC, which is what vendors that omit it
 * (Ondato's `CreatedUtc`) mean.
 */
export function instantFromIso(text: string): string | undefined {
  const match =
    /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/i.exec(
      text.trim(),
    );
  if (!match) return undefined;
  const [, date, time, fraction = '', zone = 'Z'] = match;
  const millis = fraction.padEnd(3, '0').slice(0, 3);
  const offset = zone.toUpperCase() === 'Z' ? 'Z' : zone.replace(/^([+-]\d{2})(\d{2})$/, '$1:$2');
  const parsed = Date.parse(`${date}T${time}.${millis}${offset}`);
  // Date.parse rolls impossible dates over (Feb 30 → Mar 1); refuse them instead.
  if (Number.isNaN(parsed) || !isCalendarDate(date ?? '')) return undefined;
  return new Date(parsed).toISOString();
}

function isCalendarDate(date: string): boolean {
  const [year = 0, month = 0, day = 0] = date.split('-').map(Number);
  return new Date(Date.UTC(year, month - 1, day)).toISOString().slice(0, 10) === date;
}

/**
 * A wall-clock date-time without a zone (`2022-05-18 12:21:12`) read in an IANA time zone →
 * canonical instant; `undefined` when it is not a real date-time or names a zone. In the hour a
 * clock goes back, the earlier of the two instants is taken; a time skipped when it goes forward
 * reads with the offset before the change.
 */
export function instantFromZonedLocal(text: string, timeZone: string): string | undefined {
  // Read as if it were UTC: a text that already names a zone does not parse with a second one.
  const asUtc = instantFromIso(`${text.trim()}Z`);
  if (asUtc === undefined) return undefined;
  const wall = Date.parse(asUtc);
  // The offsets in force a day either side bracket any change of clock at this wall time.
  const offsets = [wall - DAY_MS, wall + DAY_MS].map((near) => zoneOffsetMs(near, timeZone));
  const consistent = offsets
    .map((offset) => wall - offset)
    .filter((instant) => wall - instant === zoneOffsetMs(instant, timeZone));
  const instant = consistent.length > 0 ? Math.min(...consistent) : wall - (offsets[0] ?? 0);
  return instantFromEpochMillis(instant);
}

const DAY_MS = 86_400_000;
/** The largest epoch milliseconds a `Date` holds. */
const MAX_DATE_MS = 8.64e15;

/** How far the zone's wall clock is ahead of UTC at `instant`, in milliseconds. */
function zoneOffsetMs(instant: number, timeZone: string): number {
  // Outside the years a wall clock can be written in (a date near 0000 or 9999 a day away), no
  // offset: the caller then finds no consistent instant.
  if (!(Math.abs(instant) <= MAX_DATE_MS)) return Number.NaN;
  const wall = Date.parse(`${zonedLocalTime(instant, timeZone).replace(' ', 'T')}Z`);
  return wall - Math.floor(instant / 1000) * 1000;
}

/** The inverse of `instantFromZonedLocal`: `2026-01-02 04:25:14`, the wall clock in a zone. */
export function zonedLocalTime(epochMs: number, timeZone: string): string {
  return wallClockIn(timeZone).format(new Date(epochMs));
}

/**
 * Building a formatter costs a hundred times more than using one: one per zone is kept (at most
 * one per IANA zone: an unknown zone throws before it is kept).
 */
const wallClocks = new Map<string, Intl.DateTimeFormat>();

function wallClockIn(timeZone: string): Intl.DateTimeFormat {
  let format = wallClocks.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('sv-SE', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    wallClocks.set(timeZone, format);
  }
  return format;
}
