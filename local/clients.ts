import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';

/** The region local mode reports in ARNs; any value works with the local engines. */
export const LOCAL_REGION = 'us-east-1';

/**
 * Stated explicitly so no AWS profile, environment variable or credential chain is consulted:
 * local mode must work on a machine that has never seen AWS, and never reach a real account.
 */
const DUMMY_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

export interface LocalEndpoints {
  readonly dynamodb: string;
  readonly sqs: string;
  readonly eventBridge: string;
}

export interface LocalClients {
  readonly dynamodb: DynamoDBClient;
  readonly sqs: SQSClient;
  readonly eventBridge: EventBridgeClient;
  /** Closes their connection pools. */
  destroy(): void;
}

export function createLocalClients(endpoints: LocalEndpoints): LocalClients {
  const common = { region: LOCAL_REGION, credentials: DUMMY_CREDENTIALS };
  const dynamodb = new DynamoDBClient({ ...common, endpoint: endpoints.dynamodb });
  const sqs = new SQSClient({ ...common, endpoint: endpoints.sqs });
  const eventBridge = new EventBridgeClient({ ...common, endpoint: endpoints.eventBridge });
  return {
    dynamodb,
    sqs,
    eventBridge,
    destroy() {
      dynamodb.destroy();
      sqs.destroy();
      eventBridge.destroy();
    },
  };
}
