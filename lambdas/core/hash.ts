import { createHash } from 'node:crypto';

/**
 * A body's SHA-256, hex: the dedup id of vendors that send no event id, and the delivery log's
 * content hash (over the raw bytes, which need not be UTF-8).
 */
export function bodyHash(body: string | Uint8Array): string {
  const hash = createHash('sha256');
  return (typeof body === 'string' ? hash.update(body, 'utf8') : hash.update(body)).digest('hex');
}
