import fc from 'fast-check';

/**
 * JSON read and written as text, for the signing oracles (test/fixtures/<vendor>/signing-oracle.ts)
 * and the suites that use them: a signature covers bytes, so a rewrite must control every byte
 * outside them and keep every byte inside.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The exact text of the JSON value that starts at `start` (a small scanner, not json-span). */
export function valueText(text: string, start: number): string {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i += 1) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i += 1;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth += 1;
    else if (c === '}' || c === ']') {
      depth -= 1;
      if (depth === 0) return text.slice(start, i + 1);
    }
  }
  throw new Error('unterminated value');
}

/** The raw text of the first `"<name>":` member's value in `body` (an object or an array). */
export function memberValueText(body: string, name: string): string {
  const quoted = JSON.stringify(name).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const key = new RegExp(`${quoted}\\s*:\\s*`).exec(body);
  if (!key) throw new Error(`no ${name}`);
  return valueText(body, key.index + key[0].length);
}

/** Members written in `order`, each value already JSON text, with random whitespace. */
export function objectText(members: readonly [string, string][], gaps: readonly string[]): string {
  const gap = (i: number) => gaps[i % gaps.length] ?? '';
  const parts = members.map(
    ([key, value], i) => `${gap(i)}${JSON.stringify(key)}${gap(i + 1)}:${gap(i + 2)}${value}`,
  );
  return `{${parts.join(',')}${gap(members.length)}}`;
}

/** `items` ordered by the random `keys` (stable for equal keys). */
export function shuffle<T>(items: readonly T[], keys: readonly number[]): T[] {
  return items
    .map((item, i) => ({ item, key: keys[i % keys.length] ?? 0, i }))
    .sort((a, b) => a.key - b.key || a.i - b.i)
    .map(({ item }) => item);
}

/** The raw text with a string value replaced (however the vendor escaped `/`). */
export function replaceString(body: string, from: string, to: string): string {
  for (const written of [JSON.stringify(from), JSON.stringify(from).replace(/\//g, '\\/')]) {
    if (body.includes(written)) return body.replace(written, JSON.stringify(to));
  }
  return body;
}

export const anyText = fc.string({ maxLength: 24 });
export const anyScalar: fc.Arbitrary<Json> = fc.oneof(
  anyText,
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
);
export const whitespace = fc.constantFrom('', ' ', '\n', '\t', '  ', '\r\n    ');
