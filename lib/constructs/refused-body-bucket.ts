import { Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { Bucket, CfnBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ENV } from '../../lambdas/runtime/env.js';
import { privateBucket } from './private-bucket.js';

/** How long refused bodies may be kept: long enough to diagnose, short enough to hold no archive. */
export const REFUSED_BODY_DAYS = { min: 1, max: 7 } as const;

export interface RefusedBodyBucketProps {
  /** Days after which S3 deletes a kept body, within `REFUSED_BODY_DAYS`. */
  readonly days: number;
  /** Encrypts the bodies; without it, S3-managed keys do. @default S3-managed */
  readonly encryptionKey?: IKey;
}

/**
 * Where ingest keeps the bodies it refused, when the operator switched that on (`keepRefusedBodies`):
 * a private, TLS-only bucket, encrypted, whose objects expire after `days`. Each ingest function
 * may only put objects under its own vendor's prefix; nothing in the stack reads them, and nothing
 * publishes them. The bucket outlives the stack like the table does, and empties itself.
 */
export class RefusedBodyBucket extends Construct {
  readonly bucket: Bucket;
  readonly #key: IKey | undefined;

  constructor(scope: Construct, id: string, props: RefusedBodyBucketProps) {
    super(scope, id);
    const { days } = props;
    if (!Number.isInteger(days) || days < REFUSED_BODY_DAYS.min || days > REFUSED_BODY_DAYS.max) {
      throw new Error(
        `RefusedBodyBucket: days must be a whole number from ${REFUSED_BODY_DAYS.min} to ` +
          `${REFUSED_BODY_DAYS.max}, got ${days}`,
      );
    }
    this.#key = props.encryptionKey;
    this.bucket = privateBucket(this, 'Bucket', {
      ...(this.#key && { encryptionKey: this.#key }),
      expirationDays: days,
      writers: 'the ingest functions, each under its own prefix,',
    });
  }

  /**
   * Lets `fn` put objects under `<vendorId>/` and nothing else (no read, list, tagging or ACL),
   * with the key's `GenerateDataKey` when the bucket has one, and tells it the bucket.
   */
  grantPutFor(fn: LambdaFunction, vendorId: string): void {
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects(`${vendorId}/*`)],
      }),
    );
    this.#key?.grant(fn, 'kms:GenerateDataKey');
    fn.addEnvironment(ENV.refusedBodiesBucket, this.bucket.bucketName);
    const bucketId = Stack.of(this).resolve(
      (this.bucket.node.defaultChild as CfnBucket).logicalId,
    ) as string;
    if (fn.role) {
      Validations.of(fn.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${vendorId}/*]`,
        reason:
          'Each refused body is a new object whose key (day, time, request id) is only known ' +
          "when it arrives: the function may put objects under its own vendor's prefix only, " +
          'and has no other S3 action (no read, list, delete, tagging or ACL).',
      });
    }
  }
}
