import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { numberSize } from '../lambdas/adapters/dynamo-item-size.js';

/**
 * DynamoDB item size as the service bills it ("Item sizes and formats" in the DynamoDB
 * developer guide): attribute names and string values in UTF-8 bytes, numbers about one byte
 * per two significant digits plus one, 1 byte for a boolean or null, and 3 bytes of overhead
 * per list or map plus 1 byte per element (the adapter sizes document-form items by the same
 * rule, lambdas/adapters/dynamo-item-size.ts); this is the marshalled form the meter sees.
 */

export type Item = Record<string, AttributeValue>;

const utf8 = (text: string): number => Buffer.byteLength(text, 'utf8');

export function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return utf8(value.S);
  if (value.N !== undefined) return numberSize(value.N);
  if (value.B !== undefined) return value.B.byteLength;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((sum, s) => sum + utf8(s), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, n) => sum + numberSize(n), 0);
  if (value.BS !== undefined) return value.BS.reduce((sum, b) => sum + b.byteLength, 0);
  if (value.L !== undefined) return 3 + value.L.reduce((sum, v) => sum + 1 + valueSize(v), 0);
  if (value.M !== undefined) {
    return 3 + Object.entries(value.M).reduce((sum, [k, v]) => sum + 1 + utf8(k) + valueSize(v), 0);
  }
  return 0;
}

export function itemSize(item: Item | undefined): number {
  if (!item) return 0;
  return Object.entries(item).reduce(
    (sum, [name, value]) => sum + utf8(name) + valueSize(value),
    0,
  );
}

/** Write request units for one write of `bytes` (1 per started KB, at least 1). */
export function writeUnits(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / 1024));
}

/** Read request units for one strongly consistent read of `bytes` (1 per started 4 KB, min 1). */
export function readUnits(bytes: number, consistent: boolean): number {
  const units = Math.max(1, Math.ceil(bytes / 4096));
  return consistent ? units : units / 2;
}
