/**
 * Event times are canonical ISO 8601 instants in UTC with millisecond precision
 * (`Date#toISOString`), so comparing two of them as strings compares them in time, and the
 * subject index sorts them correctly. Finer vendor precision is truncated, not rounded.
 */

/** Epoch milliseconds → canonical instant; `undefined` for non-finite or out-of-range input. */
export function instantFromEpochMillis(ms: number): string | undefined {
  if (!Number.isFinite(ms)) return undefined;
  const date = new Date(Math.floor(ms));
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
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
