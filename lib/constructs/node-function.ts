import { join } from 'node:path';
import { Validations } from 'aws-cdk-lib';
import type { Duration } from 'aws-cdk-lib';
import { PolicyDocument, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  Architecture,
  LoggingFormat,
  Runtime,
  SystemLogLevel,
  Tracing,
} from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { BUNDLE_SETTINGS, PROJECT_ROOT, type FunctionBundle } from '../function-bundles.js';

/**
 * Metric namespace shared by every function of a deployment, so one dashboard reads them all. A
 * stage has its own (`KycWebhooks-staging`, see `metricsNamespaceFor`): Powertools reads it from
 * `POWERTOOLS_METRICS_NAMESPACE`, so the functions need no code of their own for it.
 */
export const METRICS_NAMESPACE = 'KycWebhooks';

/** The metric namespace of a stage's functions, alarms and dashboard; `METRICS_NAMESPACE` without one. */
export function metricsNamespaceFor(stage?: string): string {
  return stage === undefined ? METRICS_NAMESPACE : `${METRICS_NAMESPACE}-${stage}`;
}

/** The bundle (`entry`, and `define` where the build sets constants) and the function's settings. */
export interface NodeFunctionProps extends FunctionBundle {
  /** Powertools service name, the `service` field of every log line and metric. */
  readonly serviceName: string;
  readonly description: string;
  readonly timeout: Duration;
  readonly memorySize: number;
  readonly logRetention: RetentionDays;
  /** Variables the handler reads; merged over the shared runtime settings. @default none */
  readonly environment?: Readonly<Record<string, string>>;
  /** Where the function's EMF metrics go. @default METRICS_NAMESPACE */
  readonly metricsNamespace?: string;
  /**
   * Whether the function writes EMF metrics (Powertools Metrics), so needs their namespace. The
   * ingest functions write none: metric filters count their delivery lines. @default true
   */
  readonly writesMetrics?: boolean;
  /** X-Ray active tracing. @default false */
  readonly tracing?: boolean;
  /** Concurrency set aside for this function alone. @default none: it draws on the account's pool */
  readonly reservedConcurrency?: number;
  /**
   * The Lambda platform's own records it keeps (`SYSTEM_LOG_LEVELS`): at `INFO` a start and a
   * report record per invocation, at `WARN` neither. @default 'INFO'
   */
  readonly systemLogLevel?: SystemLogLevelName;
}

/** Lambda's system log levels, from most records to fewest. */
export const SYSTEM_LOG_LEVELS = ['DEBUG', 'INFO', 'WARN'] as const;
export type SystemLogLevelName = (typeof SYSTEM_LOG_LEVELS)[number];

/** What every function of a deployment shares: its log retention, metric namespace and tracing. */
export type SharedFunctionSettings = Pick<
  NodeFunctionProps,
  'logRetention' | 'metricsNamespace' | 'tracing'
>;

/** The shared settings out of a construct's props, options left out when unset. */
export function sharedFunctionSettings(props: SharedFunctionSettings): SharedFunctionSettings {
  return {
    logRetention: props.logRetention,
    ...(props.metricsNamespace !== undefined && { metricsNamespace: props.metricsNamespace }),
    ...(props.tracing !== undefined && { tracing: props.tracing }),
  };
}

/**
 * Builds every function the same way: Node.js 24 on arm64, bundled by the local esbuild with
 * `BUNDLE_SETTINGS` (minified ESM with source maps), and an explicit log group so retention is
 * owned by the stack. The log group is `<id>Logs` and the execution role `<id>Role`, beside the
 * function.
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
  const fn = new NodejsFunction(scope, id, {
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
    ...(props.systemLogLevel !== undefined && {
      systemLogLevelV2: SystemLogLevel[props.systemLogLevel],
    }),
    ...(props.tracing && { tracing: Tracing.ACTIVE }),
    ...(props.reservedConcurrency !== undefined && {
      reservedConcurrentExecutions: props.reservedConcurrency,
    }),
    environment: {
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: props.serviceName,
      ...(props.writesMetrics !== false && {
        POWERTOOLS_METRICS_NAMESPACE: props.metricsNamespace ?? METRICS_NAMESPACE,
      }),
      POWERTOOLS_LOG_LEVEL: 'INFO',
      ...props.environment,
    },
    bundling: {
      format: OutputFormat.ESM,
      target: BUNDLE_SETTINGS.target,
      mainFields: [...BUNDLE_SETTINGS.mainFields],
      banner: BUNDLE_SETTINGS.banner,
      minify: BUNDLE_SETTINGS.minify,
      sourceMap: BUNDLE_SETTINGS.sourcemap,
      sourceMapMode: SourceMapMode.DEFAULT,
      sourcesContent: BUNDLE_SETTINGS.sourcesContent,
      ...(props.define && { define: { ...props.define } }),
      bundleAwsSDK: true,
      forceDockerBundling: false,
    },
  });
  if (props.tracing) {
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Active tracing grants xray:PutTraceSegments and xray:PutTelemetryRecords, which X-Ray ' +
        'authorizes on no resource narrower than "*" (it has no resource-level permissions); ' +
        'the role may only send trace data with them.',
    });
  }
  return fn;
}
