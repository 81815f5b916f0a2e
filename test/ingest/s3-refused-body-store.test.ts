import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { S3RefusedBodyStore } from '../../lambdas/adapters/s3-refused-body-store.js';

/** The deployed refused-body store: one PutObject per body, under the vendor's prefix. */

const s3 = mockClient(S3Client);
const BODY = {
  vendor: 'treezor',
  requestId: 'Abc=1',
  receivedAt: '2026-03-01T10:05:00.250Z',
  bytes: Buffer.from('{"webhook":"x"}'),
  contentType: 'application/json',
};

beforeEach(() => s3.reset());
afterAll(() => s3.restore());

describe('S3RefusedBodyStore', () => {
  it('puts the bytes under <vendor>/<day>/ and answers their s3:// address', async () => {
    s3.on(PutObjectCommand).resolves({});
    const ref = await new S3RefusedBodyStore(new S3Client({}), 'kyc-refused').keep(BODY);

    const [call] = s3.commandCalls(PutObjectCommand);
    expect(call?.args[0].input).toEqual({
      Bucket: 'kyc-refused',
      Key: 'treezor/2026-03-01/100500250_Abc_1',
      Body: BODY.bytes,
      ContentType: 'application/json',
    });
    expect(ref).toBe('s3://kyc-refused/treezor/2026-03-01/100500250_Abc_1');
  });

  it('sets no encryption of its own: the bucket encrypts by default', async () => {
    s3.on(PutObjectCommand).resolves({});
    await new S3RefusedBodyStore(new S3Client({}), 'kyc-refused').keep(BODY);
    const input = s3.commandCalls(PutObjectCommand)[0]?.args[0].input ?? {};
    expect(Object.keys(input).filter((key) => key.startsWith('SSE'))).toEqual([]);
  });

  it('throws what S3 throws, for ingest to log without changing its answer', async () => {
    s3.on(PutObjectCommand).rejects(new Error('AccessDenied'));
    await expect(
      new S3RefusedBodyStore(new S3Client({}), 'kyc-refused').keep(BODY),
    ).rejects.toThrow('AccessDenied');
  });
});
