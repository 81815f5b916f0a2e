import { describe, expect, it } from 'vitest';
import { findMember, findValueSpan, withoutMember } from '../../lambdas/core/json-span.js';

const valueAt = (text: string, path: readonly string[]): string | undefined => {
  const span = findValueSpan(text, path);
  return span && text.slice(span.start, span.end);
};

describe('findValueSpan: finds the exact raw text of a value', () => {
  it.each([
    ['a compact member', '{"a":1,"object_payload":{"x":1.0}}', ['object_payload'], '{"x":1.0}'],
    ['the first member', '{"object_payload":[1,2],"b":2}', ['object_payload'], '[1,2]'],
    ['a string value', '{"k":"v\\"}{"}', ['k'], '"v\\"}{"'],
    ['a literal', '{"k":null}', ['k'], 'null'],
    ['a number with exponent', '{"k":-1.5e+3}', ['k'], '-1.5e+3'],
    [
      'around whitespace of every kind',
      '\r\n{ "a" :\t[1, {"b": 2}] ,\n  "object_payload" :  {"x": "y"}  }\n',
      ['object_payload'],
      '{"x": "y"}',
    ],
    [
      'past strings holding braces, brackets and escaped quotes',
      '{"a":"}]\\"{[","b":{"c":"\\\\"},"object_payload":{"k":"\\u00e9\\/"}}',
      ['object_payload'],
      '{"k":"\\u00e9\\/"}',
    ],
    ['through an escaped key', '{"object\\u005fpayload":{"a":1}}', ['object_payload'], '{"a":1}'],
    [
      'along a path',
      '{"messageId":"m","webhook":{"webhook":"user.update","object_payload":{"users":[]}}}',
      ['webhook', 'object_payload'],
      '{"users":[]}',
    ],
    [
      'keeping integer-like keys and 1.0 as written',
      '{"object_payload":{"2":"a","1":"b","amount":1.0}}',
      ['object_payload'],
      '{"2":"a","1":"b","amount":1.0}',
    ],
    [
      'the last of repeated keys, as JSON.parse reads it',
      '{"object_payload":{"n":1},"object_payload":{"n":2}}',
      ['object_payload'],
      '{"n":2}',
    ],
    [
      'in the last of repeated parents',
      '{"webhook":{"p":1},"webhook":{"p":2}}',
      ['webhook', 'p'],
      '2',
    ],
  ])('%s', (_name, text, path, expected) => {
    expect(valueAt(text, path)).toBe(expected);
  });

  it.each([
    ['the key is deeper', '{"x":{"object_payload":1}}', ['object_payload']],
    ['the key is only inside an array', '{"x":[{"object_payload":1}]}', ['object_payload']],
    ['the key is a string value', '{"x":"object_payload"}', ['object_payload']],
    ['the top level is an array', '[{"object_payload":1}]', ['object_payload']],
    [
      'a later repeated parent lacks the key',
      '{"webhook":{"p":1},"webhook":"x"}',
      ['webhook', 'p'],
    ],
    ['the path is empty', '{"a":1}', []],
  ])('is undefined when %s', (_name, text, path) => {
    expect(findValueSpan(text, path)).toBeUndefined();
  });

  it.each([
    ['empty text', ''],
    ['not closed', '{"a":1'],
    ['a trailing comma', '{"a":1,}'],
    ['a missing colon', '{"a" 1}'],
    ['single quotes', "{'a':1}"],
    ['a raw control character in a string', '{"a":"\u0001"}'],
    ['an unknown escape', '{"a":"\\x"}'],
    ['a short \\u escape', '{"a":"\\u12"}'],
    ['a leading zero', '{"a":01}'],
    ['a bare word', '{"a":nul}'],
    ['a comment', '{"a":1 // no\n}'],
    ['text after the value', '{"a":1} x'],
    ['two values', '{"a":1}{"a":2}'],
    ['malformed text after the member', '{"a":1,"b":[}'],
  ])('is undefined for malformed input: %s', (_name, text) => {
    expect(findValueSpan(text, ['a'])).toBeUndefined();
  });

  it('gives up on absurd nesting instead of exhausting the stack', () => {
    const deep = `{"a":1,"b":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    expect(findValueSpan(deep, ['a'])).toBeUndefined();
  });

  it.each([
    ['compact', (value: unknown) => JSON.stringify(value)],
    ['pretty', (value: unknown) => JSON.stringify(value, null, 2)],
  ])('agrees with JSON.parse on every top-level member (%s)', (_name, stringify) => {
    const value = {
      s: 'a "quoted" \\ / é 😀',
      n: [0, -1.5, 1e-7, { deep: [[], {}] }],
      o: { nested: { again: true }, nothing: null },
      e: {},
    };
    const text = stringify(value);
    for (const [key, expected] of Object.entries(value)) {
      expect(JSON.parse(valueAt(text, [key]) ?? 'undefined')).toEqual(expected);
    }
  });
});

describe('findMember: the spans around a member', () => {
  it('gives the key, the value and the whole member', () => {
    const text = '{"a":1, "signature" : {"v":"1"} ,"b":2}';
    const spans = findMember(text, ['signature']);
    expect(spans && text.slice(spans.key.start, spans.key.end)).toBe('"signature"');
    expect(spans && text.slice(spans.value.start, spans.value.end)).toBe('{"v":"1"}');
    expect(spans && text.slice(spans.member.start, spans.member.end)).toBe(
      '"signature" : {"v":"1"}',
    );
  });
});

describe('withoutMember: cuts a member out and leaves valid JSON', () => {
  it.each([
    ['first of several', '{"signature":{"v":1},"a":1,"b":2}', '{"a":1,"b":2}'],
    ['in the middle', '{"a":1,"signature":{"v":1},"b":2}', '{"a":1,"b":2}'],
    ['last', '{"a":1,"b":2,"signature":{"v":1}}', '{"a":1,"b":2}'],
    ['the only member', '{"signature":{"v":1}}', '{}'],
    [
      'in the middle, pretty-printed',
      '{\n  "a": 1,\n  "signature": {\n    "v": 1\n  },\n  "b": 2\n}',
      '{\n  "a": 1,\n  "b": 2\n}',
    ],
    [
      'last, pretty-printed',
      '{\n  "a": 1,\n  "signature": {\n    "v": 1\n  }\n}',
      '{\n  "a": 1\n}',
    ],
    [
      'the last of a repeated key (the one JSON.parse keeps)',
      '{"signature":1,"a":1,"signature":2}',
      '{"signature":1,"a":1}',
    ],
  ])('%s', (_name, text, expected) => {
    const cut = withoutMember(text, ['signature']);
    expect(cut).toBe(expected);
    expect(() => JSON.parse(cut ?? '')).not.toThrow();
  });

  it('cuts along a path', () => {
    expect(withoutMember('{"w":{"a":1,"s":2},"s":3}', ['w', 's'])).toBe('{"w":{"a":1},"s":3}');
  });

  it('is undefined when the member is absent', () => {
    expect(withoutMember('{"a":1}', ['signature'])).toBeUndefined();
  });
});
