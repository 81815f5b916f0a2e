import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Archive, EventBus } from 'aws-cdk-lib/aws-events';
import type { CfnArchive } from 'aws-cdk-lib/aws-events';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/** The bus name downstream rules target; a stage's bus is `kyc-webhooks-<stage>`. */
export const EVENT_BUS_NAME = 'kyc-webhooks';

export interface KycEventBusProps {
  /** Name downstream rules target, so it is fixed rather than generated. @default EVENT_BUS_NAME */
  readonly eventBusName?: string;
  /** Days the archive keeps events for replay; 0 keeps them forever. */
  readonly archiveRetentionDays: number;
  /** A customer-managed key for the bus and its archive. @default AWS-owned keys */
  readonly encryptionKey?: IKey;
}

/**
 * The custom bus consumers subscribe to, with an archive so any window can be replayed. Both are
 * retained with the table: the archive holds the same events, and expires them by its own
 * retention whether or not the stack still exists; the bus is kept because the archive replays
 * only to its source bus. A retained bus keeps its name, so re-creating a deleted stack (or stage)
 * needs it deleted, or imported, first.
 */
export class KycEventBus extends Construct {
  readonly bus: EventBus;
  readonly archive: Archive;

  constructor(scope: Construct, id: string, props: KycEventBusProps) {
    super(scope, id);
    const eventBusName = props.eventBusName ?? EVENT_BUS_NAME;
    const key = props.encryptionKey;
    this.bus = new EventBus(this, 'Bus', { eventBusName, ...(key && { kmsKey: key }) });
    this.bus.applyRemovalPolicy(RemovalPolicy.RETAIN);
    // Same scope and id as `bus.archive('Archive')`, so the archive keeps its logical id (a
    // replaced archive starts empty).
    this.archive = new Archive(this.bus, 'Archive', {
      sourceEventBus: this.bus,
      description: 'Every event published on the KYC webhooks bus, for replay',
      // An archive needs a pattern; every event on this bus is put by this account.
      eventPattern: { account: [Stack.of(this).account] },
      retention: Duration.days(props.archiveRetentionDays),
    });
    this.archive.applyRemovalPolicy(RemovalPolicy.RETAIN);
    const archive = this.archive.node.defaultChild as CfnArchive;
    if (key) {
      // Not Archive's `kmsKey`: its key policy names the bus by `GetAtt`, and the bus names the
      // key, a cycle when the stack creates both (and `bus.archive()` drops `kmsKey` entirely,
      // aws/aws-cdk#38298). The same statements, with the bus ARN built from its fixed name.
      archive.kmsKeyIdentifier = key.keyArn;
      key.addToResourcePolicy(
        new PolicyStatement({
          sid: 'Allow EventBridge to use kms operations',
          principals: [new ServicePrincipal('events.amazonaws.com')],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:ReEncrypt*'],
          resources: ['*'],
          conditions: {
            StringEquals: {
              'kms:EncryptionContext:aws:events:event-bus:arn': Stack.of(this).formatArn({
                service: 'events',
                resource: 'event-bus',
                resourceName: eventBusName,
              }),
            },
          },
        }),
      );
      key.addToResourcePolicy(
        new PolicyStatement({
          sid: 'Allow EventBridge to call kms:DescribeKey',
          principals: [new ServicePrincipal('events.amazonaws.com')],
          actions: ['kms:DescribeKey'],
          resources: ['*'],
        }),
      );
    } else {
      // Archive writes `KmsKeyIdentifier: ""` when it has no key (aws/aws-cdk#37847), which is no
      // valid key and fails some Regions' deploys; absent means the AWS-owned key.
      archive.addPropertyDeletionOverride('KmsKeyIdentifier');
    }
  }
}
