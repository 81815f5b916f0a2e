import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';

export interface PrivateBucketProps {
  /** Encrypts the objects; without it, S3-managed keys do. @default S3-managed */
  readonly encryptionKey?: IKey;
  /** Days after which S3 deletes an object. */
  readonly expirationDays: number;
  /** Who writes the bucket, for the server-access-log acknowledgement: e.g. "the ingest functions". */
  readonly writers: string;
}

/**
 * A bucket of the personal data the pipeline keeps: private (public access blocked, ownership
 * enforced), TLS-only, encrypted, its objects expiring, and retained when the stack is deleted,
 * like the table — personal data outlives the stack only deliberately.
 */
export function privateBucket(scope: Construct, id: string, props: PrivateBucketProps): Bucket {
  const key = props.encryptionKey;
  const bucket = new Bucket(scope, id, {
    ...(key
      ? { encryption: BucketEncryption.KMS, encryptionKey: key, bucketKeyEnabled: true }
      : { encryption: BucketEncryption.S3_MANAGED }),
    enforceSSL: true,
    blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
    objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
    lifecycleRules: [
      {
        expiration: Duration.days(props.expirationDays),
        abortIncompleteMultipartUploadAfter: Duration.days(1),
      },
    ],
    removalPolicy: RemovalPolicy.RETAIN,
  });
  Validations.of(bucket).acknowledge({
    id: 'AwsSolutions-S1',
    reason:
      `Only ${props.writers} write here, and CloudTrail records their calls; server access logs ` +
      'would need a second bucket keeping the object keys longer than the objects live.',
  });
  return bucket;
}
