import { createHash } from 'node:crypto';

/** Dedup id for vendors that send no event id: the body's SHA-256, hex. */
export function bodyHash(body: string): string {
  return createHash('sha256').update(body, 'utf8').digest('hex');
}
