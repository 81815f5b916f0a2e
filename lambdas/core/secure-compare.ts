import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Constant-time string equality. Both sides are hashed first so that neither the content nor
 * the length of the expected value leaks through timing.
 */
export function safeEqual(actual: string, expected: string): boolean {
  const a = createHash('sha256').update(actual, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** True when `actual` equals any accepted value; every value is compared, match or not. */
export function matchesAny(actual: string, accepted: readonly string[]): boolean {
  let matched = false;
  for (const expected of accepted) matched = safeEqual(actual, expected) || matched;
  return matched;
}
