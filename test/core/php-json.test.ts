import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { phpJsonEncode } from '../../lambdas/core/php-json.js';

// Every expected string below is PHP 8.2's own `json_encode` output for the same value.

const hmac = (message: string): string =>
  createHmac('sha256', 'test_webhook_secret').update(message, 'utf8').digest('base64');

describe('phpJsonEncode: the known-answer vectors (VENDORS.md, Treezor)', () => {
  it.each([
    {
      input:
        '{"users":[{"userId":"123456","firstname":"Élodie","lastname":"Oak","kycLevel":"2","kycReview":"2","email":"a.oak@example.com","website":"https://example.com/x","createdDate":"2024-01-08 11:00:42"}]}',
      php: '{"users":[{"userId":"123456","firstname":"\\u00c9lodie","lastname":"Oak","kycLevel":"2","kycReview":"2","email":"a.oak@example.com","website":"https:\\/\\/example.com\\/x","createdDate":"2024-01-08 11:00:42"}]}',
      signature: 'qwuX8SWdoZl2kxCMU6T3i36bliSDbplBLygC8UCR1Zg=',
    },
    {
      input: '{"a":"😀 – ü","b":null,"c":[1,2.5,true]}',
      php: '{"a":"\\ud83d\\ude00 \\u2013 \\u00fc","b":null,"c":[1,2.5,true]}',
      signature: 'doiymCd4bzzYRlWTbC+3dbPZ9GQ4vFv9wT2Bbwsaghg=',
    },
  ])(
    'encodes the payload signed $signature to the bytes PHP signed',
    ({ input, php, signature }) => {
      const encoded = phpJsonEncode(JSON.parse(input));
      expect(encoded).toBe(php);
      expect(hmac(encoded)).toBe(signature);
    },
  );
});

describe('phpJsonEncode: strings', () => {
  it.each([
    ['slash', '/', '"\\/"'],
    ['quote', '"', '"\\""'],
    ['backslash', '\\', '"\\\\"'],
    ['backspace', '\b', '"\\b"'],
    ['form feed', '\f', '"\\f"'],
    ['newline', '\n', '"\\n"'],
    ['carriage return', '\r', '"\\r"'],
    ['tab', '\t', '"\\t"'],
    ['NUL', '\u0000', '"\\u0000"'],
    ['other control character', '\u001f', '"\\u001f"'],
    ['DEL, which PHP leaves as is', '\u007f', '"\u007f"'],
    ['printable ASCII', "<>&' ~", '"<>&\' ~"'],
    ['Latin-1 letter, lowercase hex', 'É', '"\\u00c9"'],
    ['line separator', '\u2028', '"\\u2028"'],
    ['emoji as a surrogate pair', '😀', '"\\ud83d\\ude00"'],
    ['highest code point', '\u{10ffff}', '"\\udbff\\udfff"'],
  ])('%s', (_name, input, expected) => {
    expect(phpJsonEncode(input)).toBe(expected);
  });
});

describe('phpJsonEncode: numbers (serialize_precision = -1)', () => {
  it.each([
    [0, '0'],
    [100, '100'],
    [-42, '-42'],
    [1e16, '10000000000000000'],
    [2.5, '2.5'],
    [0.1, '0.1'],
    [0.0001, '0.0001'],
    [0.000123, '0.000123'],
    [0.00001, '1.0e-5'],
    [1.5e-7, '1.5e-7'],
    [-1.25e-5, '-1.25e-5'],
    [5e-324, '5.0e-324'],
    [1.7976931348623157e308, '1.7976931348623157e+308'],
    [1.2345678901234567e19, '1.2345678901234567e+19'], // the wire's 12345678901234567890,
    [1e21, '1.0e+21'],
    [12345600, '12345600'],
  ])('%s → %s', (input, expected) => {
    expect(phpJsonEncode(input)).toBe(expected);
  });
});

describe('phpJsonEncode: structure', () => {
  it.each([
    ['null', null, 'null'],
    ['booleans', [true, false], '[true,false]'],
    ['empty object', {}, '{}'],
    ['empty array', [], '[]'],
    [
      'nested, compact, keys as received',
      { b: { z: 1, a: [] }, a: '' },
      '{"b":{"z":1,"a":[]},"a":""}',
    ],
    ['escaped keys', { 'a/b': 1, é: 2 }, '{"a\\/b":1,"\\u00e9":2}'],
    ['empty key', { '': 1 }, '{"":1}'],
  ])('%s', (_name, input, expected) => {
    expect(phpJsonEncode(input)).toBe(expected);
  });

  it('nests up to PHP’s default depth of 512 and refuses deeper, as PHP does', () => {
    const nested = (levels: number): unknown =>
      JSON.parse('['.repeat(levels) + ']'.repeat(levels)) as unknown;
    expect(phpJsonEncode(nested(512))).toBe('['.repeat(512) + ']'.repeat(512));
    expect(() => phpJsonEncode(nested(513))).toThrow(RangeError);
  });

  it.each([
    ['undefined', undefined],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a function', () => 1],
    ['a symbol', Symbol('x')],
  ])('refuses %s, which JSON cannot hold', (_name, input) => {
    expect(() => phpJsonEncode(input)).toThrow(TypeError);
  });
});

describe('phpJsonEncode: what JSON.parse loses (why raw-span verification comes first)', () => {
  it.each([
    // A body signed over text that says `1.0` cannot be re-encoded: the parsed value is just 1.
    ['a float written 1.0', '{"amount":1.0}', '{"amount":1}'],
    // PHP keeps object keys in the order received; JavaScript moves integer-like keys first.
    ['integer-like keys', '{"2":"a","1":"b"}', '{"1":"b","2":"a"}'],
    // PHP reads this as an exact int64; a double keeps only 17 significant digits.
    ['an integer beyond 2^53', '{"n":123456789012345678}', '{"n":123456789012345680}'],
  ])('%s', (_name, wire, reEncoded) => {
    expect(phpJsonEncode(JSON.parse(wire))).toBe(reEncoded);
    expect(reEncoded).not.toBe(wire);
  });
});
