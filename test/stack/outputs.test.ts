import { describe, expect, it } from 'vitest';
import { synthStack } from './synth-stack.js';

describe('stack outputs operators rely on (README: Deploy, Operating it)', () => {
  const outputs = synthStack().findOutputs('*');

  it.each([
    'ApiUrl',
    'TableName',
    'EventBusName',
    'EventBusArn',
    'DeadLetterQueueUrl',
    'DeadLetterQueueArn',
    'TreezorSecretArn',
    'IdwiseSecretArn',
  ])('%s', (name) => {
    expect(Object.keys(outputs)).toContain(name);
  });

  it('gives the DLQ ARN a redrive can start from', () => {
    expect(JSON.stringify(outputs['DeadLetterQueueArn']?.['Value'])).toMatch(/DeadLetter.*Arn/);
  });
});
