import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../lambdas/core/errors.js';
import { baseUrlOf, readApiCredentials, type CalledApi } from '../../lambdas/core/vendor-api.js';
import { idwise } from '../../lambdas/vendors/idwise.js';
import { apiFixture, apiReading } from './enrichment-support.js';

const api = idwise.api as CalledApi;
const answer = (name: string): unknown => apiFixture('idwise', name);

describe('IDWise API: reading Get Journey Result', () => {
  it('reads a referred journey: the status, the decisions, the failed rules and the AML flags', () => {
    expect(api.read(answer('journey-result-refer'))).toEqual(
      apiReading('idwise', 'journey-result-refer'),
    );
  });

  it('reads a completed journey as approved, with nothing failed or flagged', () => {
    expect(api.read(answer('journey-result-complete'))).toMatchObject({
      status: 'approved',
      findings: { failedRules: [], amlFlags: [] },
    });
  });

  it.each([[{}], [null], ['text'], [{ final_decision: null, system_decision: 'null' }]])(
    'reads %j as no result',
    (body) => {
      expect(api.read(body)).toBeUndefined();
    },
  );

  it('lets a manual decision decide over the system one when there is no final one', () => {
    expect(api.read({ system_decision: 'Refer', manual_decision: 'Rejected' })).toMatchObject({
      status: 'rejected',
    });
  });
});

describe('IDWise API: credentials and requests', () => {
  it('asks for the journey with Basic credentials made of the key id and secret', () => {
    const credentials = readApiCredentials({ api: { keyId: 'k', keySecret: 's' } }, api, 'idwise');
    expect(credentials).toEqual({ values: { keyId: 'k', keySecret: 's' }, region: 'eu' });
    expect(api.request({ kind: 'journey', id: 'j/1' }, credentials!)).toEqual({
      method: 'GET',
      path: '/journey/v2/result/j%2F1',
      // base64("k:s")
      headers: { authorization: 'Basic azpz', accept: 'application/json' },
    });
    expect(baseUrlOf(api, credentials!, 'idwise')).toBe('https://api.idwise.com');
  });

  it('calls the region the secret names', () => {
    const credentials = readApiCredentials(
      { api: { keyId: 'k', keySecret: 's', region: 'qatar' } },
      api,
      'idwise',
    );
    expect(baseUrlOf(api, credentials!, 'idwise')).toBe('https://api-qat.idwise.com');
  });

  it('is not configured without an api member', () => {
    expect(readApiCredentials({ headers: {} }, api, 'idwise')).toBeUndefined();
  });

  it.each([
    ['not an object', 42],
    ['a missing secret', { keyId: 'k' }],
    ['an unknown region', { keyId: 'k', keySecret: 's', region: 'mars' }],
    ['an unknown member', { keyId: 'k', keySecret: 's', token: 't' }],
  ])('refuses %s, naming the member and never the value', (_case, value) => {
    const read = () => readApiCredentials({ api: value }, api, 'idwise');
    expect(read).toThrow(ConfigurationError);
    expect(read).not.toThrow(/"k"|"s"|"t"/);
  });

  it('makes the secret check refuse a malformed api member at ingest too', () => {
    expect(idwise.secretKeys).toContain('api');
    expect(() =>
      idwise.parseCredentials(
        { headers: { authorization: ['x'] }, api: 42 },
        { allowUnauthenticated: false },
      ),
    ).toThrow(ConfigurationError);
  });
});
