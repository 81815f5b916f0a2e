/**
 * An item's size as DynamoDB bills it ("Item sizes and formats" in the DynamoDB developer guide),
 * for items in the document client's form (plain values, before marshalling): attribute names
 * and strings in UTF-8 bytes, numbers about one byte per two significant digits plus one, binary
 * by its bytes, 1 byte for a boolean or null, 3 bytes per list or map plus 1 per element.
 * Undefined attributes are left out, as the store's client leaves them out.
 */

const utf8 = (text: string): number => Buffer.byteLength(text, 'utf8');

/** Bytes of a number written as `text` (its significant digits). */
export function numberSize(text: string): number {
  const digits = text
    .replace(/^-/, '')
    .replace(/[eE].*$/, '')
    .replace('.', '');
  const significant = digits.replace(/^0+/, '').replace(/0+$/, '');
  return 1 + Math.ceil(Math.max(1, significant.length) / 2) + (text.startsWith('-') ? 1 : 0);
}

function valueSize(value: unknown): number {
  if (typeof value === 'string') return utf8(value);
  if (typeof value === 'number') return numberSize(String(value));
  if (value instanceof Uint8Array) return value.byteLength;
  if (typeof value === 'boolean' || value === null) return 1;
  if (Array.isArray(value)) return 3 + value.reduce((sum: number, v) => sum + 1 + valueSize(v), 0);
  if (typeof value === 'object') return 3 + entriesSize(value as Record<string, unknown>, 1);
  return 0;
}

function entriesSize(item: Record<string, unknown>, perEntry: number): number {
  return Object.entries(item).reduce(
    (sum, [name, value]) =>
      value === undefined ? sum : sum + perEntry + utf8(name) + valueSize(value),
    0,
  );
}

export function documentItemSize(item: Record<string, unknown>): number {
  return entriesSize(item, 0);
}
