import type { Context } from 'aws-lambda';

/**
 * A Lambda invocation context with the fields Lambda sets, for running a handler outside Lambda
 * as it runs there (Powertools reads the function name, memory and request id from it).
 */
export function lambdaContext(
  functionName: string,
  options: { readonly memoryMb?: number; readonly requestId: string },
): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: String(options.memoryMb ?? 256),
    awsRequestId: options.requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2026/06/01/[$LATEST]0123456789abcdef0123456789abcdef',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
