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
    this.table.addGlobalSecondaryIndex({
      indexName: TABLE_SCHEMA.subjectIndex.name,
      partitionKey: { name: TABLE_SCHEMA.subjectIndex.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE_SCHEMA.subjectIndex.sortKey, type: AttributeType.STRING },
      // ALL copies raw bodies into the index, where the history reads only the summary
      // attributes. It stays ALL for now: DynamoDB cannot change a deployed index's projection
      // (CloudFormation fails "Cannot update GSI's properties other than Provisioned Throughput
      // …"), so narrowing it means a new index under a new name in TABLE_SCHEMA, one deploy to
      // add it and another to drop this one (one index created or deleted per update).
      projectionType: ProjectionType.ALL,
    });
  }
}
