import { RemovalPolicy } from 'aws-cdk-lib';
import {
  AttributeType,
  BillingMode,
  ProjectionType,
  Table,
  TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { TABLE_SCHEMA } from '../../lambdas/adapters/dynamo-schema.js';

export interface EventStoreProps {
  /** What happens to the table when it leaves the stack. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /** A customer-managed key to encrypt the table with. @default the AWS-managed DynamoDB key */
  readonly encryptionKey?: IKey;
  /**
   * Keep the ALL-projected `bySubject` index of items written before `byLookupKey`: only for a
   * table deployed with it (README, Upgrading). @default false
   */
  readonly legacySubjectIndex?: boolean;
}

/**
 * The single table of events and subjects, shaped by the same `TABLE_SCHEMA` the adapter uses.
 * On-demand because webhook traffic is bursty and small; PITR because it is the system of record,
 * and for the same reason retained and protected from deletion: deleting the stack leaves it, and
 * deleting it takes an operator switching the protection off first. Items still expire by TTL.
 */
export class EventStore extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string, props: EventStoreProps = {}) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      partitionKey: { name: TABLE_SCHEMA.partitionKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: TABLE_SCHEMA.timeToLiveAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      ...(props.encryptionKey
        ? { encryption: TableEncryption.CUSTOMER_MANAGED, encryptionKey: props.encryptionKey }
        : { encryption: TableEncryption.AWS_MANAGED }),
      deletionProtection: true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    // Only what the history reads: an index entry of a typical event fits one write unit, and
    // the publication mark (not projected) never writes the index.
    this.#addIndex(TABLE_SCHEMA.lookupIndex, {
      projectionType: ProjectionType.INCLUDE,
      nonKeyAttributes: [...TABLE_SCHEMA.lookupIndex.projected],
    });
    // A deployed index's projection cannot change and one update may create or delete one
    // index, so a table that has this one narrows in two deploys: with it (adds `lookupIndex`),
    // then without it once the old items' retention has passed (deletes it).
    if (props.legacySubjectIndex) {
      this.#addIndex(TABLE_SCHEMA.legacySubjectIndex, { projectionType: ProjectionType.ALL });
    }
  }

  /** An index of `TABLE_SCHEMA`, string-keyed like every key of the table. */
  #addIndex(
    index: { readonly name: string; readonly partitionKey: string; readonly sortKey: string },
    projection: { projectionType: ProjectionType; nonKeyAttributes?: string[] },
  ): void {
    this.table.addGlobalSecondaryIndex({
      indexName: index.name,
      partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
      sortKey: { name: index.sortKey, type: AttributeType.STRING },
      ...projection,
    });
  }
}
