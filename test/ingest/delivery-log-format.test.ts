import { describe, expect, it } from 'vitest';
import {
  countAttempts,
  parseDeliveryRecord,
  refusedBodyKey,
  type DeliveryRecord,
} from '../../lambdas/core/delivery-log.js';

const RECORD: DeliveryRecord = {
  receivedAt: '2026-03-01T10:00:00.123Z',
  vendor: 'treezor',
  route: '/webhooks/treezor',
  sourceIp: '198.51.100.7',
  requestId: 'req-1',
  bodyBytes: 12,
  status: 401,
  result: 'refused',
  reason: 'invalid_signature',
  contentHash: 'ab'.repeat(32),
};

describe('a delivery log line', () => {
  it('reads back the record it was written from', () => {
    expect(parseDeliveryRecord(JSON.stringify(RECORD))).toEqual(RECORD);
  });

  it.each([
    ['not JSON', '{"receivedAt":'],
    ['an array', '[]'],
    ['no content hash', JSON.stringify({ ...RECORD, contentHash: undefined })],
    ['an unknown result', JSON.stringify({ ...RECORD, result: 'maybe' })],
    ['a size that is not a whole number', JSON.stringify({ ...RECORD, bodyBytes: '12' })],
    ['a vendor that is not text', JSON.stringify({ ...RECORD, vendor: 7 })],
  ])('is not a record when it is %s', (_name, line) => {
    expect(parseDeliveryRecord(line)).toBeUndefined();
  });
});

describe('attempt counts', () => {
  it('count the attempts of each content', () => {
    const other = { ...RECORD, contentHash: 'cd'.repeat(32) };
    const counts = countAttempts([RECORD, other, { ...RECORD, requestId: 'req-2' }]);
    expect(Object.fromEntries(counts)).toEqual({ ['ab'.repeat(32)]: 2, ['cd'.repeat(32)]: 1 });
  });
});

describe('a refused body’s key', () => {
  it('starts with the vendor, then the day, and makes the request id safe for a path', () => {
    const key = refusedBodyKey({
      vendor: 'treezor',
      requestId: '../../etc/passwd',
      receivedAt: RECORD.receivedAt,
      bytes: new Uint8Array(),
    });
    expect(key).toBe('treezor/2026-03-01/100000123_.._.._etc_passwd');
    expect(key.split('/')).toHaveLength(3);
  });
});
