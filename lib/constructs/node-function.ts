import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Duration } from 'aws-cdk-lib';
import { PolicyDocument, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, LoggingFormat, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/** The repository root: entries and the lock file are resolved from here, not from the cwd. */
const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Metric namespace shared by every function, so one dashboard reads them all. */
export const METRICS_NAMESPACE = 'KycWebhooks';

// An ESM bundle has no `require`; bundled CommonJS dependencies still call it for built-ins.
const ESM_REQUIRE_SHIM =
  "import { createRequire as topLevelCreateRequire } from 'node:module';" +
  'const require = topLevelCreateRequire(import.meta.url);';

export interface NodeFunctionProps {
  /** Handler file relative to the repository root; it must export `handler`. */
  readonly entry: string;
  /** Powertools service name, the `service` field of every log line and metric. */
  readonly serviceName: string;
  readonly description: string;
  readonly timeout: Duration;
  readonly memorySize: number;
  readonly logRetention: RetentionDays;
  /** Variables the handler reads; merged over the shared runtime settings. @default none */
  readonly environment?: Readonly<Record<string, string>>;
}

/**
 * Builds every function the same way: Node.js 24 on arm64, bundled by the local esbuild into
 * minified ESM with source maps, and an explicit log group so retention is owned by the stack.
 * The log group is `<id>Logs` and the execution role `<id>Role`, beside the function.
 */
export function buildNodeFunction(
  scope: Construct,
  id: string,
  props: NodeFunctionProps,
): NodejsFunction {
  const logGroup = new LogGroup(scope, `${id}Logs`, { retention: props.logRetention });
  // A role that may write to this log group only. The default role carries the managed
  // AWSLambdaBasicExecutionRole, which may create and write any log group in the account.
  // Inline, so the function's own grants stay alone in its default policy.
  const role = new Role(scope, `${id}Role`, {
    assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
    description: `Execution role of ${props.serviceName}`,
    inlinePolicies: {
      WriteOwnLogs: new PolicyDocument({
        statements: [
          new PolicyStatement({
            actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            resources: [logGroup.logGroupArn],
          }),
        ],
      }),
    },
  });
  return new NodejsFunction(scope, id, {
    entry: join(PROJECT_ROOT, props.entry),
    handler: 'handler',
    projectRoot: PROJECT_ROOT,
    depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
    description: props.description,
    runtime: Runtime.NODEJS_24_X,
    architecture: Architecture.ARM_64,
    timeout: props.timeout,
    memorySize: props.memorySize,
    logGroup,
    role,
    loggingFormat: LoggingFormat.JSON,
    environment: {
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: props.serviceName,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      POWERTOOLS_LOG_LEVEL: 'INFO',
      ...props.environment,
    },
    bundling: {
      format: OutputFormat.ESM,
      target: 'node24',
      // Prefer packages' ESM builds so esbuild can drop unused code.
      mainFields: ['module', 'main'],
      banner: ESM_REQUIRE_SHIM,
      minify: true,
      sourceMap: true,
      sourceMapMode: SourceMapMode.DEFAULT,
      sourcesContent: false,
      // Ship the SDK version the tests ran against rather than whatever the runtime carries.
      bundleAwsSDK: true,
      forceDockerBundling: false,
    },
  });
}
