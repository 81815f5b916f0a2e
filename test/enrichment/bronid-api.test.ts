import { describe, expect, it } from 'vitest';
import { readApiCredentials, type CalledApi } from '../../lambdas/core/vendor-api.js';
import { bronid } from '../../lambdas/vendors/bronid.js';
import { apiFixture, apiReading } from './enrichment-support.js';

const api = bronid.api as CalledApi;
const answer = (name: string): unknown => apiFixture('bronid', name);

describe('bronID API: getVerificationStatus', () => {
  it('asks by trace, with the service uid and secret key in the body as bronID documents', () => {
    const credentials = readApiCredentials(
      { api: { serviceUid: 'uid-1', secretKey: 'key-1' } },
      api,
      'bronid',
    )!;
    const request = api.request({ kind: 'verification', id: 'trace-1' }, credentials);
    expect(request).toMatchObject({ method: 'POST', path: '/getVerificationStatus' });
    expect(JSON.parse(request.body!)).toEqual({
      metadata_version: '4',
      metadata_serviceUid: 'uid-1',
      metadata_secretKey: 'key-1',
      trace: 'trace-1',
    });
  });

  it('reads the documented answer: the status words, and the time of the webhook it repeats', () => {
    expect(api.read(answer('verification-status'))).toEqual(
      apiReading('bronid', 'verification-status'),
    );
  });

  it('is asked after every status webhook, and reads no status as no result', () => {
    expect(api.enrichAfter).toEqual(
      expect.arrayContaining([
        'verification.verified',
        'verification.pending',
        'submission.incomplete',
      ]),
    );
    expect(api.read({ name: 'My Company' })).toBeUndefined();
    expect(api.read('verified')).toBeUndefined();
  });
});
