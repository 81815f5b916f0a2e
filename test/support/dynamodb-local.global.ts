import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../../local/dynamodb-local.js';

/**
 * One DynamoDB Local for the whole test run (vitest `globalSetup`): it takes seconds to start, a
 * JVM's memory, and a table is all a test needs of its own. Test files reach it with
 * `inject('dynamodbEndpoint')` and create uniquely named tables (`uniqueTableName`).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const engine = await startDynamoDbLocal({ port: 0 });
  project.provide('dynamodbEndpoint', engine.endpoint);
  return () => engine.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
  }
}
