import { timingSafeEqual } from 'node:crypto';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { matchesAny, safeEqual } from '../../lambdas/core/secure-compare.js';

// Counts the constant-time comparisons the helpers make; spied, they keep their results.
vi.mock('node:crypto', { spy: true });

beforeEach(() => {
  vi.mocked(timingSafeEqual).mockClear();
});

describe('safeEqual', () => {
  it.each<[string, string, boolean]>([
    ['secret', 'secret', true],
    ['', '', true],
    ['secret', 'Secret', false],
    ['secret', 'secret ', false],
    ['secret', 'secre', false],
    ['secret', '', false],
    ['', 'secret', false],
    ['a'.repeat(10_000), 'a'.repeat(10_000), true],
    ['a'.repeat(10_000), `${'a'.repeat(9_999)}b`, false],
    ['clé', 'clé', true],
    // The same word, precomposed vs. combining accent: different bytes, so different secrets.
    ['cl\u00e9', 'cle\u0301', false],
    ['🔑', '🔑', true],
  ])('safeEqual(%j, %j) is %s', (actual, expected, result) => {
    expect(safeEqual(actual, expected)).toBe(result);
  });

  it('compares in constant time whatever the lengths', () => {
    expect(safeEqual('short', 'a much longer expected value')).toBe(false);
    expect(timingSafeEqual).toHaveBeenCalledTimes(1);
  });
});

describe('matchesAny', () => {
  it.each<[string, string[], boolean]>([
    ['a', [], false],
    ['a', ['a'], true],
    ['a', ['a', 'b', 'c'], true],
    ['b', ['a', 'b', 'c'], true],
    ['c', ['a', 'b', 'c'], true],
    ['d', ['a', 'b', 'c'], false],
    ['', ['a'], false],
    ['', [''], true],
    ['A', ['a'], false],
  ])('matchesAny(%j, %j) is %s', (actual, accepted, result) => {
    expect(matchesAny(actual, accepted)).toBe(result);
  });

  it.each([
    ['the first', 'a'],
    ['the last', 'c'],
    ['none', 'z'],
  ])('compares every accepted value when %s matches', (_case, actual) => {
    matchesAny(actual, ['a', 'b', 'c']);
    expect(timingSafeEqual).toHaveBeenCalledTimes(3);
  });
});
