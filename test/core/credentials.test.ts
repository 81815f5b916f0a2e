import { describe, expect, it } from 'vitest';
import {
  assertKnownSecretKeys,
  parseBaseCredentials,
  readHeaderMap,
  readStringList,
} from '../../lambdas/core/credentials.js';
import { ConfigurationError } from '../../lambdas/core/errors.js';

const SECRET_VALUE = 'do-not-print-me';

describe('parseBaseCredentials', () => {
  it.each<[string, Record<string, unknown>, object]>([
    ['an empty secret', {}, { allowUnauthenticated: false }],
    ['allowUnauthenticated true', { allowUnauthenticated: true }, { allowUnauthenticated: true }],
    [
      'allowUnauthenticated false',
      { allowUnauthenticated: false },
      { allowUnauthenticated: false },
    ],
    [
      'an allow-list',
      { allowedIps: ['203.0.113.0/24', '2001:db8::/32'] },
      { allowUnauthenticated: false, allowedIps: ['203.0.113.0/24', '2001:db8::/32'] },
    ],
    ['an empty allow-list', { allowedIps: [] }, { allowUnauthenticated: false, allowedIps: [] }],
    ['vendor fields, ignored here', { headers: { a: ['b'] } }, { allowUnauthenticated: false }],
  ])('reads %s', (_case, secret, expected) => {
    expect(parseBaseCredentials(secret, 'idwise')).toEqual(expected);
  });

  it('leaves allowedIps out when the secret has none, so the vendor default applies', () => {
    expect(parseBaseCredentials({}, 'idwise')).not.toHaveProperty('allowedIps');
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['a list', []],
    ['a string', 'secret'],
    ['a number', 1],
    ['undefined', undefined],
  ])('refuses a secret that is %s, naming the vendor', (_case, secret) => {
    expect(() => parseBaseCredentials(secret, 'idwise')).toThrow(ConfigurationError);
    expect(() => parseBaseCredentials(secret, 'idwise')).toThrow(/idwise secret must be/);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['allowUnauthenticated as a string', { allowUnauthenticated: 'true' }, 'allowUnauthenticated'],
    ['allowUnauthenticated as a number', { allowUnauthenticated: 1 }, 'allowUnauthenticated'],
    ['allowUnauthenticated as null', { allowUnauthenticated: null }, 'allowUnauthenticated'],
    ['allowedIps as a string', { allowedIps: '203.0.113.0/24' }, 'allowedIps'],
    ['allowedIps holding a number', { allowedIps: [203] }, 'allowedIps'],
    ['allowedIps holding an empty string', { allowedIps: [''] }, 'allowedIps'],
  ])('refuses %s, naming the field and the vendor', (_case, secret, fieldName) => {
    expect(() => parseBaseCredentials(secret, 'ondato')).toThrow(ConfigurationError);
    expect(() => parseBaseCredentials(secret, 'ondato')).toThrow(`"${fieldName}"`);
    expect(() => parseBaseCredentials(secret, 'ondato')).toThrow(/ondato secret/);
  });
});

describe('readStringList', () => {
  it.each<[string, unknown, readonly string[]]>([
    ['absent', undefined, []],
    ['empty', [], []],
    ['one value', ['a'], ['a']],
    ['several values, in order', ['b', 'a', 'b'], ['b', 'a', 'b']],
  ])('reads a list that is %s', (_case, value, expected) => {
    expect(readStringList({ keys: value }, 'keys', 'bronid')).toEqual(expected);
  });

  it.each<[string, unknown]>([
    ['a string', 'a'],
    ['an object', { a: 'b' }],
    ['null', null],
    ['a list with a number', ['a', 1]],
    ['a list with an empty string', ['a', '']],
    ['a list with null', [null]],
    ['a list of lists', [['a']]],
  ])('refuses %s, naming the key and never the values', (_case, value) => {
    const read = () => readStringList({ signingKeys: value }, 'signingKeys', 'bronid');
    expect(read).toThrow(ConfigurationError);
    expect(read).toThrow('bronid secret: "signingKeys" must be a list of non-empty strings');
  });

  it('never puts a value in its message', () => {
    const read = () => readStringList({ keys: [SECRET_VALUE, 3] }, 'keys', 'bronid');
    expect(read).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining(SECRET_VALUE) }),
    );
  });
});

describe('readHeaderMap', () => {
  it('lower-cases header names and keeps every value in order', () => {
    const secret = {
      headers: { Authorization: ['Basic a', 'Bearer b'], 'X-API-Key': ['k'], 'x-custom': [] },
    };
    expect(readHeaderMap(secret, 'headers', 'idwise')).toEqual({
      authorization: ['Basic a', 'Bearer b'],
      'x-api-key': ['k'],
      'x-custom': [],
    });
  });

  it('keeps the order in which the headers are configured', () => {
    const secret = { headers: { 'X-B': ['1'], 'X-A': ['2'] } };
    expect(Object.keys(readHeaderMap(secret, 'headers', 'idwise'))).toEqual(['x-b', 'x-a']);
  });

  it('reads an absent map as empty', () => {
    expect(readHeaderMap({}, 'headers', 'idwise')).toEqual({});
  });

  it.each<[string, unknown]>([
    ['a list', [['authorization', 'Basic a']]],
    ['a string', 'Basic a'],
    ['null', null],
    ['a number', 1],
  ])('refuses a map that is %s, naming the key', (_case, value) => {
    const read = () => readHeaderMap({ headers: value }, 'headers', 'idwise');
    expect(read).toThrow(ConfigurationError);
    expect(read).toThrow('idwise secret: "headers" must map header names to lists of values');
  });

  it.each<[string, unknown]>([
    ['a string', SECRET_VALUE],
    ['a list with an empty string', [SECRET_VALUE, '']],
    ['a list with a number', [SECRET_VALUE, 7]],
  ])('refuses header values that are %s, naming the header as configured', (_case, value) => {
    const read = () => readHeaderMap({ headers: { 'X-Api-Key': value } }, 'headers', 'idwise');
    expect(read).toThrow(ConfigurationError);
    expect(read).toThrow('"X-Api-Key"');
    expect(read).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining(SECRET_VALUE) }),
    );
  });
});

describe('readHeaderMap merges header names that differ only in case', () => {
  it('keeps every accepted value', () => {
    expect(readHeaderMap({ h: { Authorization: ['a'], authorization: ['b'] } }, 'h', 'v')).toEqual({
      authorization: ['a', 'b'],
    });
  });
});

describe('assertKnownSecretKeys', () => {
  it.each([
    ['webhookSecret', 'webhookSecrets'],
    ['WebhookSecrets', 'webhookSecrets'],
    ['allowedIP', 'allowedIps'],
    ['allowUnauthenticate', 'allowUnauthenticated'],
  ])('refuses %s, suggesting %s', (key, meant) => {
    expect(() => assertKnownSecretKeys({ [key]: [] }, 'treezor', ['webhookSecrets'])).toThrow(
      `treezor secret: unknown key "${key}"; did you mean "${meant}"?`,
    );
  });

  it('suggests nothing for a key unlike any known one', () => {
    expect(() => assertKnownSecretKeys({ colour: 'blue' }, 'treezor', ['webhookSecrets'])).toThrow(
      /unknown key "colour" \(expected only "allowedIps", "allowUnauthenticated", "webhookSecrets"\)/,
    );
  });

  it('accepts the vendor keys and the common ones', () => {
    expect(() =>
      assertKnownSecretKeys(
        { webhookSecrets: [], allowedIps: [], allowUnauthenticated: false },
        'treezor',
        ['webhookSecrets'],
      ),
    ).not.toThrow();
  });
});
