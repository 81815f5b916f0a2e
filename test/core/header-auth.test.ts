import { timingSafeEqual } from 'node:crypto';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { CredentialCheck } from '../../lambdas/core/vendor.js';
import { canonicalAuthorization, checkHeaderCredentials } from '../../lambdas/core/header-auth.js';

// Counts constant-time comparisons, to show that no accepted value is skipped. Spied, every
// node:crypto function still does its real work.
vi.mock('node:crypto', { spy: true });

beforeEach(() => {
  vi.mocked(timingSafeEqual).mockClear();
});

type Headers = Record<string, string | undefined>;
type Accepted = Record<string, string[]>;

const BASIC = { authorization: ['Basic dXNlcjpwYXNz'] };
const BEARER = { authorization: ['Bearer tOkEn-123'] };
const API_KEY = { 'x-api-key': ['key-ABC'] };
const BOTH = {
  authorization: ['Basic dXNlcjpwYXNz', 'Bearer tOkEn-123'],
  'x-api-key': ['key-ABC'],
};

describe('checkHeaderCredentials', () => {
  it.each<[string, Headers, Accepted, CredentialCheck]>([
    ['nothing configured', { authorization: 'Basic dXNlcjpwYXNz' }, {}, 'unconfigured'],
    ['only empty lists configured', { authorization: 'x' }, { authorization: [] }, 'unconfigured'],
    ['no header sent', {}, BASIC, 'absent'],
    ['an undefined header', { authorization: undefined }, BASIC, 'absent'],
    ['an unrelated header only', { 'x-other': 'Basic dXNlcjpwYXNz' }, BASIC, 'absent'],
    ['the right Basic value', { authorization: 'Basic dXNlcjpwYXNz' }, BASIC, 'valid'],
    ['a wrong Basic value', { authorization: 'Basic d3Jvbmc=' }, BASIC, 'invalid'],
    ['an empty value', { authorization: '' }, BASIC, 'invalid'],
    ['Bearer instead of Basic', { authorization: 'Bearer dXNlcjpwYXNz' }, BASIC, 'invalid'],
    ['the token without its scheme', { authorization: 'dXNlcjpwYXNz' }, BASIC, 'invalid'],
    ['the scheme without its token', { authorization: 'Basic' }, BASIC, 'invalid'],
    ['a lower-case scheme', { authorization: 'basic dXNlcjpwYXNz' }, BASIC, 'valid'],
    ['an upper-case scheme', { authorization: 'BEARER tOkEn-123' }, BEARER, 'valid'],
    ['extra spaces around the parts', { authorization: '  Bearer   tOkEn-123 ' }, BEARER, 'valid'],
    ['a token of another case', { authorization: 'Bearer token-123' }, BEARER, 'invalid'],
    ['a token with a suffix', { authorization: 'Bearer tOkEn-1234' }, BEARER, 'invalid'],
    ['the right custom header', { 'x-api-key': 'key-ABC' }, API_KEY, 'valid'],
    ['a custom header with spaces around', { 'x-api-key': ' key-ABC ' }, API_KEY, 'valid'],
    ['a custom header of another case', { 'x-api-key': 'KEY-abc' }, API_KEY, 'invalid'],
    ['a custom header value with a scheme', { 'x-api-key': 'Basic key-ABC' }, API_KEY, 'invalid'],
    ['a custom value sent as authorization', { authorization: 'key-ABC' }, BOTH, 'invalid'],
    ['an authorization value sent as custom', { 'x-api-key': 'Bearer tOkEn-123' }, BOTH, 'invalid'],
    ['the first of two values', { authorization: 'Basic dXNlcjpwYXNz' }, BOTH, 'valid'],
    ['the second of two values', { authorization: 'Bearer tOkEn-123' }, BOTH, 'valid'],
    ['the second configured header', { 'x-api-key': 'key-ABC' }, BOTH, 'valid'],
    [
      'one right header, one wrong',
      { authorization: 'Bearer x', 'x-api-key': 'key-ABC' },
      BOTH,
      'valid',
    ],
    ['two wrong headers', { authorization: 'Bearer x', 'x-api-key': 'x' }, BOTH, 'invalid'],
  ])('%s → %s', (_case, headers, accepted, result) => {
    expect(checkHeaderCredentials(headers, accepted)).toBe(result);
  });

  it('looks headers up by their lower-cased names, as they arrive', () => {
    expect(checkHeaderCredentials({ 'x-api-key': 'key-ABC' }, { 'x-api-key': ['key-ABC'] })).toBe(
      'valid',
    );
    // A caller that skips readHeaderMap and passes a mixed-case name finds nothing to match.
    expect(checkHeaderCredentials({ 'x-api-key': 'key-ABC' }, { 'X-Api-Key': ['key-ABC'] })).toBe(
      'absent',
    );
  });

  it('compares every accepted value of every presented header, even after a match', () => {
    const accepted = {
      authorization: ['Basic a', 'Basic b', 'Basic c'],
      'x-api-key': ['k1', 'k2'],
    };
    checkHeaderCredentials({ authorization: 'Basic a', 'x-api-key': 'k1' }, accepted);
    expect(timingSafeEqual).toHaveBeenCalledTimes(5);
  });

  it('compares nothing for a header that was not sent', () => {
    checkHeaderCredentials(
      { 'x-api-key': 'k1' },
      { authorization: ['Basic a'], 'x-api-key': ['k1'] },
    );
    expect(timingSafeEqual).toHaveBeenCalledTimes(1);
  });
});

describe('canonicalAuthorization', () => {
  it.each<[string, string]>([
    ['Basic abc', 'basic abc'],
    ['BEARER abc', 'bearer abc'],
    ['bEaReR   AbC', 'bearer AbC'],
    ['  Bearer abc  ', 'bearer abc'],
    ['Bearer\tabc', 'bearer abc'],
    ['Custom a b  c', 'custom a b  c'],
    ['token-only', 'token-only'],
    ['  Token-Only', 'Token-Only'],
    ['', ''],
  ])('%j → %j', (value, canonical) => {
    expect(canonicalAuthorization(value)).toBe(canonical);
  });
});

describe('header credentials edge cases', () => {
  it('leaves a scheme-less value intact', () => {
    expect(canonicalAuthorization('  Token-Only  ')).toBe('Token-Only');
  });

  it('does not read inherited properties as headers', () => {
    expect(checkHeaderCredentials({}, { constructor: ['x'] })).toBe('absent');
  });
});
