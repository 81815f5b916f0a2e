import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { refusedBodyKey, type RefusedBody, type RefusedBodyStore } from '../core/delivery-log.js';

/**
 * Refused bodies in the stack's refused-body bucket, which encrypts them by default (its own KMS
 * key or S3-managed) and expires them after a few days; the function may only put objects under
 * its own vendor's prefix. Nothing reads them but an operator.
 */
export class S3RefusedBodyStore implements RefusedBodyStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async keep(body: RefusedBody): Promise<string> {
    const key = refusedBodyKey(body);
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: body.bytes,
        ...(body.contentType !== undefined && { ContentType: body.contentType }),
      }),
    );
    return `s3://${this.bucket}/${key}`;
  }
}
