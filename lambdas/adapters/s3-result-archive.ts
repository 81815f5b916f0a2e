import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ResultArchive } from '../enrichment/ports.js';

/**
 * `ResultArchive` in an S3 bucket. Every object is written encrypted: under the stack's KMS key
 * when it has one (`kmsKeyId`), else with S3-managed keys; the bucket's policy refuses anything
 * else, and plain HTTP.
 */
export class S3ResultArchive implements ResultArchive {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly kmsKeyId?: string,
  ) {}

  async put(
    key: string,
    body: string | Uint8Array,
    contentType = 'application/json',
  ): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: body,
        ContentType: contentType,
        ...(this.kmsKeyId === undefined
          ? { ServerSideEncryption: 'AES256' }
          : { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: this.kmsKeyId }),
      }),
    );
  }
}
