import { describe, expect, it } from 'vitest';
import {
  instantFromEpochMillis,
  instantFromIso,
  instantFromZonedLocal,
  zonedLocalTime,
} from '../../lambdas/core/time.js';

describe('instantFromIso', () => {
  it.each<[string, string]>([
    // zones
    ['2024-05-01T10:20:30Z', '2024-05-01T10:20:30.000Z'],
    ['2024-05-01T10:20:30z', '2024-05-01T10:20:30.000Z'],
    ['2024-05-01T10:20:30+00:00', '2024-05-01T10:20:30.000Z'],
    ['2024-05-01T10:20:30-00:00', '2024-05-01T10:20:30.000Z'],
    ['2024-05-01T12:20:30+02:00', '2024-05-01T10:20:30.000Z'],
    ['2024-05-01T12:20:30+0200', '2024-05-01T10:20:30.000Z'],
    ['2024-05-01T04:50:30-05:30', '2024-05-01T10:20:30.000Z'],
    ['2024-05-01T23:45:00+14:00', '2024-05-01T09:45:00.000Z'],
    ['2024-01-01T00:30:00+01:00', '2023-12-31T23:30:00.000Z'],
    ['2024-12-31T23:30:00-01:00', '2025-01-01T00:30:00.000Z'],
    // fractions: up to 9 digits, truncated to milliseconds, never rounded
    ['2024-05-01T10:20:30.5Z', '2024-05-01T10:20:30.500Z'],
    ['2024-05-01T10:20:30.12Z', '2024-05-01T10:20:30.120Z'],
    ['2024-05-01T10:20:30.123Z', '2024-05-01T10:20:30.123Z'],
    ['2024-05-01T10:20:30.1234567Z', '2024-05-01T10:20:30.123Z'],
    ['2024-05-01T10:20:30.9999999Z', '2024-05-01T10:20:30.999Z'],
    ['2024-05-01T10:20:30.123456789Z', '2024-05-01T10:20:30.123Z'],
    ['2024-05-01T12:20:30.1234567+02:00', '2024-05-01T10:20:30.123Z'],
    // no zone: read as UTC (Ondato's CreatedUtc has 7 digits and no zone)
    ['2024-05-01T10:20:30', '2024-05-01T10:20:30.000Z'],
    ['2023-03-09T08:50:39.6713593', '2023-03-09T08:50:39.671Z'],
    // separators and surrounding space
    ['2024-05-01 10:20:30Z', '2024-05-01T10:20:30.000Z'],
    ['2024-05-01t10:20:30Z', '2024-05-01T10:20:30.000Z'],
    ['  2024-05-01T10:20:30Z\n', '2024-05-01T10:20:30.000Z'],
    // leap day
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
  ])('%j → %s', (input, expected) => {
    expect(instantFromIso(input)).toBe(expected);
  });

  it.each([
    '',
    'garbage',
    'now',
    '2024-05-01',
    '2024-05-01T10:20Z',
    '2024-05-01T10:20:30.Z',
    '2024-05-01T10:20:30.1234567890Z',
    '2024-05-01T10:20:30+2:00',
    '2024-05-01T10:20:30+02',
    '2024-05-01T10:20:30 UTC',
    '2024-05-01T10:20:30Z trailing',
    '2024-13-01T00:00:00Z',
    '2024-00-10T00:00:00Z',
    '2024-05-32T00:00:00Z',
    '2024-05-01T25:00:00Z',
    '2024-05-01T10:60:00Z',
    '2024-05-01T10:20:60Z',
    '2024-05-01T10:20:30+25:00',
    '2024-05-01T10:20:30+05:99',
    '24-05-01T10:20:30Z',
    '+002024-05-01T10:20:30Z',
    '1714558830',
  ])('%j is not an instant', (input) => {
    expect(instantFromIso(input)).toBeUndefined();
  });

  it('yields strings whose order is the order in time', () => {
    const inputs = [
      '2024-05-01T12:00:00+02:00',
      '2024-05-01T09:59:59.999Z',
      '2024-05-01T10:00:00.0000001Z',
      '2024-04-30T23:00:00-11:00',
    ];
    const instants = inputs.map((input) => instantFromIso(input) ?? '');
    const byTime = [...instants].sort((a, b) => Date.parse(a) - Date.parse(b));
    expect([...instants].sort()).toEqual(byTime);
  });
});

describe('instantFromEpochMillis', () => {
  it.each<[number, string]>([
    [0, '1970-01-01T00:00:00.000Z'],
    [1_653_294_578_616.8, '2022-05-23T08:29:38.616Z'],
    [1_700_000_000_000, '2023-11-14T22:13:20.000Z'],
    [1.9, '1970-01-01T00:00:00.001Z'],
    [-1.5, '1969-12-31T23:59:59.998Z'],
  ])('%d → %s', (ms, expected) => {
    expect(instantFromEpochMillis(ms)).toBe(expected);
  });

  it.each([
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    // Past year 9999 an ISO string gains a sign and six digits, and sorts before real times.
    8.64e15,
    8.64e15 + 1,
    -8.64e15 - 1,
  ])('%d is not an instant', (ms) => {
    expect(instantFromEpochMillis(ms)).toBeUndefined();
  });
});

describe('instantFromIso refuses impossible calendar dates', () => {
  it.each(['2024-02-30T00:00:00Z', '2023-02-29T00:00:00Z', '2024-04-31T00:00:00Z'])(
    '%s',
    (text) => {
      expect(instantFromIso(text)).toBeUndefined();
    },
  );

  it('still reads a leap day', () => {
    expect(instantFromIso('2024-02-29T12:00:00Z')).toBe('2024-02-29T12:00:00.000Z');
  });
});

describe('instantFromZonedLocal and zonedLocalTime (Europe/Paris)', () => {
  it.each([
    ['winter, UTC+1', '2020-01-15 10:00:00', '2020-01-15T09:00:00.000Z'],
    ['summer, UTC+2', '2022-05-18 12:21:12', '2022-05-18T10:21:12.000Z'],
    // 2024-03-31: 02:00 jumps to 03:00; a skipped time reads with the offset before the change.
    ['a time the spring change skips', '2024-03-31 02:30:00', '2024-03-31T01:30:00.000Z'],
    // 2024-10-27: 03:00 goes back to 02:00; the hour in between happens twice, the earlier wins.
    ['a time the autumn change repeats', '2024-10-27 02:30:00', '2024-10-27T00:30:00.000Z'],
    ['just after the autumn change', '2024-10-27 03:30:00', '2024-10-27T02:30:00.000Z'],
  ])('reads %s', (_name, local, instant) => {
    expect(instantFromZonedLocal(local, 'Europe/Paris')).toBe(instant);
  });

  it.each([
    ['0000-00-00 00:00:00'],
    ['2020-05-13 18:28:43+02:00'],
    ['2020-02-30 10:00:00'],
    ['x'],
    // A day before it is no writable date: found by the hostile normalize suite (RangeError).
    ['0000-01-01 00:00:00'],
  ])('refuses %s', (text) => {
    expect(instantFromZonedLocal(text, 'Europe/Paris')).toBeUndefined();
  });

  it('writes the wall clock back, the inverse for every unambiguous time', () => {
    for (const instant of ['2020-01-15T09:00:00.000Z', '2022-05-18T10:21:12.000Z']) {
      const local = zonedLocalTime(Date.parse(instant), 'Europe/Paris');
      expect(instantFromZonedLocal(local, 'Europe/Paris')).toBe(instant);
    }
    expect(zonedLocalTime(Date.parse('2022-05-18T10:21:12.000Z'), 'Europe/Paris')).toBe(
      '2022-05-18 12:21:12',
    );
  });
});
