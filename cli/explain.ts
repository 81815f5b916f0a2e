import type { Target } from './target.js';

/**
 * Turns an AWS SDK or network error into a sentence that says what to do, or `undefined` when
 * it is not one this CLI knows how to explain.
 */
export function explainAwsError(error: unknown, target: Target | undefined): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const local = target?.kind === 'local';
  const startIt = notRunning(target);
  const code = errorCode(error);

  if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'ENOTFOUND') {
    if (local && target) return `Nothing answers at ${refusedEndpoint(error, target)}: ${startIt}`;
    return `Could not reach AWS (${code}): check the network and --region.`;
  }
  if (error.name === 'ResourceNotFoundException' && target) {
    return local
      ? `No table ${target.tableName} at ${target.where.dynamodb}: ${startIt}`
      : `No table ${target.tableName} in ${target.where.dynamodb}: check --region and --stack.`;
  }
  if (error.name === 'QueueDoesNotExist' || error.name.includes('NonExistentQueue')) {
    return local
      ? `The local queues do not exist at ${target?.where.sqs ?? 'the SQS endpoint'}: ${startIt}`
      : 'The queue does not exist: check --region and --stack.';
  }
  if (
    error.name === 'CredentialsProviderError' ||
    error.name === 'ExpiredTokenException' ||
    error.name === 'UnrecognizedClientException' ||
    error.name === 'InvalidSignatureException'
  ) {
    return (
      `AWS refused the credentials (${error.name}): pass --profile, or refresh them ` +
      '(e.g. aws sso login).'
    );
  }
  if (error.name === 'AccessDeniedException' || error.name === 'AccessDenied') {
    return `AWS denied the request: ${error.message}`;
  }
  return undefined;
}

/**
 * What to check when local mode does not answer: the CLI found its ports through the running
 * instance's file, else tried the defaults; ports set in the environment override either.
 */
function notRunning(target: Target | undefined): string {
  const instance = target?.localInstance;
  return instance
    ? `is \`npm start\` (process ${instance.pid}, found through its instance file) still ` +
        'running? Ports set in the environment (PORT, KYC_DYNAMODB_PORT, KYC_SQS_PORT) ' +
        'override what that file says.'
    : 'is `npm start` running? None was found through its instance file (.local/instance.json, ' +
        "or in KYC_EVENTS_FILE's folder), so this command tried the default ports and any the " +
        'environment sets.';
}

/** Which local engine refused the connection, from the port Node reports. */
function refusedEndpoint(error: Error, target: Target): string {
  const port = (error as { port?: unknown }).port;
  const engines = [
    [target.where.dynamodb, 'DynamoDB'],
    [target.where.sqs, 'SQS'],
    [target.where.eventBridge, 'the PutEvents endpoint'],
  ] as const;
  const engine = engines.find(([url]) => typeof port === 'number' && url.endsWith(`:${port}`));
  return engine
    ? `${engine[0]} (${engine[1]})`
    : `${target.where.dynamodb} (DynamoDB) or ${target.where.sqs} (SQS)`;
}

/** The system error code of a failed connection, wherever the SDK put it. */
function errorCode(error: Error): string | undefined {
  const own = (error as { code?: unknown }).code;
  if (typeof own === 'string') return own;
  const cause = (error as { cause?: unknown }).cause;
  if (cause instanceof Error) return errorCode(cause);
  // Node reports a refused dual-stack connection as an AggregateError of per-address errors.
  if (error instanceof AggregateError) {
    for (const inner of error.errors) {
      if (inner instanceof Error) {
        const innerCode = errorCode(inner);
        if (innerCode) return innerCode;
      }
    }
  }
  return undefined;
}
