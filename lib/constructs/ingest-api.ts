import { Duration, RemovalPolicy, SecretValue, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import type { ThrottleSettings, HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '../../lambdas/runtime/env.js';
import { buildNodeFunction } from './node-function.js';

/** The part of a registered vendor the infrastructure needs. */
export interface IngestVendor {
  readonly id: string;
  readonly routes: readonly string[];
}

export interface IngestApiProps {
  /** Vendors to receive webhooks for; each gets its own function and secret. */
  readonly vendors: readonly IngestVendor[];
  /** Where verified deliveries are queued. */
  readonly queue: IQueue;
  /** How long a function caches its secret before reading it again. */
  readonly secretMaxAgeSeconds: number;
  /** Retention of the functions' logs and the API access log. */
  readonly logRetention: RetentionDays;
  /**
   * Stage-wide request limits. Webhooks arrive in bursts when a vendor replays a backlog, so
   * the burst is generous; the rate still caps what a misbehaving sender can cost.
   * @default { rateLimit: 50, burstLimit: 100 }
   */
  readonly throttle?: ThrottleSettings;
}

/** One vendor's ingest: its function, and the secret only that function may read. */
export class VendorIngest extends Construct {
  readonly function: NodejsFunction;
  readonly secret: Secret;

  constructor(scope: Construct, vendor: IngestVendor, props: IngestApiProps) {
    super(scope, vendor.id);
    this.secret = new Secret(this, 'Secret', {
      description: `Webhook credentials for ${vendor.id} (JSON; the README lists the fields)`,
      // A placeholder, not a credential: with none configured the vendor refuses every delivery
      // until an operator stores the real JSON. CloudFormation only rewrites the value when this
      // literal changes, so keep it stable or a deploy would overwrite the operator's value.
      secretStringValue: SecretValue.unsafePlainText('{}'),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The secret holds values the vendor issues or has configured on its side (signing keys, ' +
        'passwords, header tokens); a rotation function cannot change them at the vendor. ' +
        'Rotation is the documented manual procedure: add the new value, switch the vendor ' +
        'over, remove the old one.',
    });
    this.function = buildNodeFunction(this, 'Function', {
      entry: 'lambdas/ingest/handler.ts',
      serviceName: `kyc-ingest-${vendor.id}`,
      description: `Verifies ${vendor.id} webhooks and queues them`,
      timeout: Duration.seconds(10),
      memorySize: 256,
      logRetention: props.logRetention,
      environment: {
        [ENV.vendor]: vendor.id,
        [ENV.secretId]: this.secret.secretArn,
        [ENV.queueUrl]: props.queue.queueUrl,
        [ENV.secretMaxAgeSeconds]: String(props.secretMaxAgeSeconds),
      },
    });
    this.secret.grantRead(this.function);
    props.queue.grantSendMessages(this.function);
  }
}

/**
 * The public webhook endpoint: an HTTP API whose routes are exactly the enabled vendors' routes,
 * each integrated with that vendor's own function. Unknown paths never reach a function.
 */
export class IngestApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogGroup: LogGroup;
  /** Per-vendor function and secret, keyed by vendor id. */
  readonly vendors: ReadonlyMap<string, VendorIngest>;

  constructor(scope: Construct, id: string, props: IngestApiProps) {
    super(scope, id);
    validateVendors(props.vendors);

    this.api = new HttpApi(this, 'Api', {
      description: 'Receives KYC vendor webhooks',
      // The default stage is created below so it can carry access logging and throttling.
      createDefaultStage: false,
    });
    this.accessLogGroup = new LogGroup(this, 'AccessLogs', { retention: props.logRetention });
    this.stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle ?? { rateLimit: 50, burstLimit: 100 },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogGroup),
        format: ACCESS_LOG_FORMAT,
      },
    });

    const vendors = new Map<string, VendorIngest>();
    for (const vendor of props.vendors) {
      const ingest = new VendorIngest(this, vendor, props);
      const integration = new HttpLambdaIntegration(`${vendor.id}Integration`, ingest.function);
      for (const path of vendor.routes) {
        for (const route of this.api.addRoutes({ path, methods: [HttpMethod.POST], integration })) {
          Validations.of(route).acknowledge({
            id: 'AwsSolutions-APIG4',
            reason:
              'Vendors authenticate with their own schemes (HMAC signatures in the body over the ' +
              'raw bytes, Basic/Bearer or custom headers, source addresses), which no API Gateway ' +
              "authorizer can check: the route's ingest function verifies each delivery against " +
              "the vendor's secret before anything is queued, and refuses it otherwise.",
          });
        }
      }
      vendors.set(vendor.id, ingest);
    }
    this.vendors = vendors;
  }

  /** The base URL vendors are given; routes are appended to it. */
  get url(): string {
    return this.stage.url;
  }
}

// No headers, bodies or query strings: they may carry signatures or personal data.
const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    requestTime: '$context.requestTime',
    sourceIp: '$context.identity.sourceIp',
    routeKey: '$context.routeKey',
    status: '$context.status',
    responseLength: '$context.responseLength',
    responseLatency: '$context.responseLatency',
    integrationStatus: '$context.integrationStatus',
    integrationLatency: '$context.integrationLatency',
    integrationError: '$context.integrationErrorMessage',
    error: '$context.error.message',
  }),
);

function validateVendors(vendors: readonly IngestVendor[]): void {
  if (vendors.length === 0) {
    throw new Error('IngestApi: expected at least one vendor');
  }
  const ids = new Set<string>();
  const owners = new Map<string, string>();
  for (const vendor of vendors) {
    // The id becomes a construct id (so part of logical ids) and a Powertools service name.
    if (!/^[a-z][a-z0-9-]*$/.test(vendor.id)) {
      throw new Error(`IngestApi: vendor id "${vendor.id}" must match ^[a-z][a-z0-9-]*$`);
    }
    if (ids.has(vendor.id)) throw new Error(`IngestApi: vendor "${vendor.id}" is listed twice`);
    ids.add(vendor.id);
    if (vendor.routes.length === 0) {
      throw new Error(`IngestApi: vendor "${vendor.id}" must have at least one route`);
    }
    for (const route of vendor.routes) {
      if (!route.startsWith('/')) {
        throw new Error(`IngestApi: route "${route}" of "${vendor.id}" must start with "/"`);
      }
      const owner = owners.get(route);
      if (owner !== undefined) {
        throw new Error(
          `IngestApi: route "${route}" belongs to both "${owner}" and "${vendor.id}"`,
        );
      }
      owners.set(route, vendor.id);
    }
  }
}
