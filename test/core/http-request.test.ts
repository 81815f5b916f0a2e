import { describe, expect, it } from 'vitest';
import { decodeUtf8, lowerCaseHeaders } from '../../lambdas/core/http-request.js';

describe('lowerCaseHeaders', () => {
  it('lower-cases names and joins repeated headers with a comma, as API Gateway does', () => {
    expect({ ...lowerCaseHeaders({ 'X-Key': 'a', 'x-key': 'b', Accept: 'json' }) }).toEqual({
      'x-key': 'a,b',
      accept: 'json',
    });
  });

  it.each(['__proto__', 'constructor', 'hasownproperty'])(
    'keeps a header named %s as a header',
    (name) => {
      const headers = lowerCaseHeaders(JSON.parse(`{"${name}":"value"}`) as Record<string, string>);
      expect(Object.keys(headers)).toEqual([name]);
      expect(headers[name]).toBe('value');
    },
  );

  it('does not invent headers from the prototype', () => {
    expect(lowerCaseHeaders({})['constructor']).toBeUndefined();
  });
});

describe('decodeUtf8', () => {
  it('decodes valid UTF-8 and refuses invalid bytes', () => {
    expect(decodeUtf8(Buffer.from('Élodie ✓'))).toBe('Élodie ✓');
    expect(decodeUtf8(Buffer.from([0x7b, 0xff, 0x7d]))).toBeUndefined();
  });
});
