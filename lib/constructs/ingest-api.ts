import { Duration, Lazy, RemovalPolicy, SecretValue, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  ApiMapping,
  CfnRoute,
  DomainName,
  HttpApi,
  HttpMethod,
  LogGroupLogDestination,
  SecurityPolicy,
} from 'aws-cdk-lib/aws-apigatewayv2';
import type { CfnStage, HttpRoute, HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import type { Metric } from 'aws-cdk-lib/aws-cloudwatch';
import { Grant } from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { FilterPattern, LogGroup } from 'aws-cdk-lib/aws-logs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '../../lambdas/runtime/env.js';
import { ingestBundle } from '../function-bundles.js';
import { addDeliveryMetricFilters } from './delivery-metric-filters.js';
import {
  buildNodeFunction,
  sharedFunctionSettings,
  METRICS_NAMESPACE,
  type SystemLogLevelName,
} from './node-function.js';
import type { RefusedBodyBucket } from './refused-body-bucket.js';

/** One route's token bucket: requests per second sustained, and how many may arrive at once. */
export interface RouteThrottle {
  readonly rateLimit: number;
  readonly burstLimit: number;
}

/**
 * What a throttle may be. API Gateway's account quota, shared by every API of the account in a
 * Region, is 10,000 requests per second steady with a burst of 5,000 (a soft limit, raised on
 * request); a route limit above it is never reached, so none may exceed it.
 */
export const THROTTLE_BOUNDS = {
  rateLimit: { min: 1, max: 10_000 },
  burstLimit: { min: 1, max: 5_000 },
} as const;

/**
 * Each vendor route's own bucket unless configured otherwise. A throttled request is answered
 * 429, which every sender treats as a failed delivery, so the limit is sized from what a 429
 * costs each vendor's genuine deliveries:
 * - Treezor retries about every minute, up to ~30 times: a throttled delivery comes a minute late.
 * - Ondato (Azure Event Grid) retries with backoff for 24 h: it outlasts any flood.
 * - IDWise retries only at 5, 10 and 15 minutes, then gives up: its genuine bursts must never be
 *   throttled, so lowering its limit is the risky direction. (A flood on its own route beyond
 *   its limit for 15 minutes loses deliveries whatever the limit; the other routes' buckets
 *   are what keeps a flood elsewhere from touching it.)
 * - bronID and Truuth do not document retries: a 429 is treated as possibly final, like IDWise.
 * 50 per second is far above any vendor's genuine rate and 100 at once absorbs a backlog
 * replayed after an outage, while a flood of forged requests on one route costs at most 50
 * invocations a second and leaves every other route's bucket untouched. All routes at these
 * limits together stay far inside the account quota above, which route buckets cannot protect:
 * a flood beyond the quota throttles every API of the account, whatever the route limits.
 */
export const DEFAULT_ROUTE_THROTTLE: RouteThrottle = { rateLimit: 50, burstLimit: 100 };

/**
 * The stage default, for a route without an entry of its own. Every route of this API must have
 * one (a validation checks), so no genuine delivery should fall to it, and low is safe.
 */
export const CATCH_ALL_THROTTLE: RouteThrottle = { rateLimit: 5, burstLimit: 10 };

/**
 * The one call ingest and the token endpoint make to Secrets Manager (through Powertools'
 * SecretsProvider); `grantRead` would add `DescribeSecret`, which neither calls.
 */
export const SECRET_READ_ACTIONS = ['secretsmanager:GetSecretValue'] as const;

/**
 * What SQS checks, with the sender's permissions, for `SendMessage` to a queue under a
 * customer-managed key: a data key is generated, and decrypted when SQS reuses a cached one.
 */
export const QUEUE_SEND_KEY_ACTIONS = ['kms:Decrypt', 'kms:GenerateDataKey'] as const;

/**
 * The metric counting requests the stage answered 429. API Gateway's own metrics for an HTTP API
 * are `Count`, `4xx`, `5xx`, `Latency`, `IntegrationLatency` and `DataProcessed`: a throttled
 * request is only one more `4xx`, among every refusal our functions answer 401, 403 or 413. The
 * access log has each request's status, so a metric filter counts 429s exactly.
 */
export const THROTTLED_REQUESTS_METRIC = 'ThrottledRequests';

/** The part of a registered vendor the infrastructure needs. */
export interface IngestVendor {
  readonly id: string;
  readonly routes: readonly string[];
  /** This vendor's own limits, applied to each of its routes. @default the API's `routeThrottle` */
  readonly throttle?: RouteThrottle;
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
   * The limits of each vendor route whose vendor has none of its own. Every route gets its own
   * bucket, so a flood on one vendor's route cannot spend another vendor's limit.
   * @default DEFAULT_ROUTE_THROTTLE (rate 50, burst 100)
   */
  readonly routeThrottle?: RouteThrottle;
  /**
   * The stage's default route settings: the catch-all for a route without its own limits.
   * @default CATCH_ALL_THROTTLE (rate 5, burst 10)
   */
  readonly stageThrottle?: RouteThrottle;
  /** The API's name. @default the construct id, `Api` */
  readonly apiName?: string;
  /** Where the delivery metrics and the throttled-request count go. @default METRICS_NAMESPACE */
  readonly metricsNamespace?: string;
  /**
   * X-Ray active tracing on the functions, and the Lambda request id of each request in the
   * access log (`integrationRequestId`), which is the id X-Ray files a function's trace under.
   * @default false
   */
  readonly tracing?: boolean;
  /**
   * Concurrency reserved for each vendor's function. None by default: a route's own limits
   * already bound how much of the account's concurrency its function can take (about its burst
   * limit, briefly), and a reservation is withheld from every other function of the account for
   * ever, idle or not; Lambda also refuses to reserve into the last 100 of the account's quota,
   * so a small account could not deploy the stack at all. A reservation is a ceiling too: below a
   * route's burst it turns a genuine burst into errors. Reserve when the account runs other
   * workloads that could exhaust its concurrency and leave ingest none, sized at least at the
   * vendor route's burst limit. @default none
   */
  readonly reservedConcurrency?: number;
  /**
   * The Lambda platform records each function keeps (start and report, one pair per delivery at
   * `INFO`; none at `WARN`). @default 'INFO', Lambda's own
   */
  readonly systemLogLevel?: SystemLogLevelName;
  /** A custom domain the stage is mapped to. @default none: the execute-api URL only */
  readonly customDomain?: { readonly domainName: string; readonly certificateArn: string };
  /** Where each function keeps the bodies it refuses. @default none: refused bodies are not kept */
  readonly refusedBodies?: RefusedBodyBucket;
}

/**
 * One vendor's ingest: its function, the secret only that function may read, and the metric
 * filters that count its deliveries from its log group.
 */
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
      // The one ingest handler, bundled with this vendor's module and no other's.
      ...ingestBundle(vendor.id, { keepsRefusedBodies: props.refusedBodies !== undefined }),
      serviceName: `kyc-ingest-${vendor.id}`,
      description: `Verifies ${vendor.id} webhooks and queues them`,
      timeout: Duration.seconds(10),
      memorySize: 256,
      ...sharedFunctionSettings(props),
      ...(props.reservedConcurrency !== undefined && {
        reservedConcurrency: props.reservedConcurrency,
      }),
      ...(props.systemLogLevel !== undefined && { systemLogLevel: props.systemLogLevel }),
      // Its delivery lines are counted by the metric filters below: it writes no EMF.
      writesMetrics: false,
      environment: {
        [ENV.vendor]: vendor.id,
        [ENV.secretId]: this.secret.secretArn,
        [ENV.queueUrl]: props.queue.queueUrl,
        [ENV.secretMaxAgeSeconds]: String(props.secretMaxAgeSeconds),
      },
    });
    // Exactly the calls lambdas/ingest/handler.ts makes: GetSecretValue on its own secret and
    // SendMessage to the queue (grantSendMessages would add GetQueueAttributes and GetQueueUrl).
    grantSecretRead(this.function, this.secret.secretArn);
    props.queue.grant(this.function, 'sqs:SendMessage');
    props.queue.encryptionMasterKey?.grant(this.function, ...QUEUE_SEND_KEY_ACTIONS);
    props.refusedBodies?.grantPutFor(this.function, vendor.id);
    // The function writes no metric lines: its delivery lines are counted here.
    addDeliveryMetricFilters(this.function.logGroup, props.metricsNamespace ?? METRICS_NAMESPACE);
  }
}

/** Lets `fn` read one secret's value, and nothing else of it. */
export function grantSecretRead(fn: NodejsFunction, secretArn: string): Grant {
  return Grant.addToPrincipal({
    grantee: fn,
    actions: [...SECRET_READ_ACTIONS],
    resourceArns: [secretArn],
  });
}

/**
 * The public webhook endpoint: an HTTP API whose routes are exactly the enabled vendors' routes,
 * each integrated with that vendor's own function. Unknown paths never reach a function.
 */
export class IngestApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogGroup: LogGroup;
  /** Requests the stage answered 429, from the access log; summed per 5 minutes. */
  readonly throttledRequests: Metric;
  /** The custom domain the stage is mapped to, when one is configured. */
  readonly customDomain?: DomainName;
  /** Where vendors are sent, without a trailing slash: the custom domain, else execute-api. */
  readonly publicEndpoint: string;
  /** Per-vendor function and secret, keyed by vendor id. */
  readonly vendors: ReadonlyMap<string, VendorIngest>;
  private readonly cfnStage: CfnStage;
  /** Each route's own limits, keyed by route key (`POST /webhooks/treezor`). */
  private readonly routeThrottles = new Map<string, RouteThrottle>();

  constructor(scope: Construct, id: string, props: IngestApiProps) {
    super(scope, id);
    validateVendors(props.vendors);
    const routeThrottle = props.routeThrottle ?? DEFAULT_ROUTE_THROTTLE;
    const stageThrottle = props.stageThrottle ?? CATCH_ALL_THROTTLE;
    validateThrottle('routeThrottle', routeThrottle);
    validateThrottle('stageThrottle', stageThrottle);

    this.api = new HttpApi(this, 'Api', {
      ...(props.apiName !== undefined && { apiName: props.apiName }),
      description: 'Receives KYC vendor webhooks',
      // The default stage is created below so it can carry access logging and throttling.
      createDefaultStage: false,
    });
    if (props.customDomain) {
      this.customDomain = new DomainName(this, 'Domain', {
        domainName: props.customDomain.domainName,
        certificate: Certificate.fromCertificateArn(
          this,
          'Certificate',
          props.customDomain.certificateArn,
        ),
        securityPolicy: SecurityPolicy.TLS_1_2,
      });
    }
    this.accessLogGroup = new LogGroup(this, 'AccessLogs', { retention: props.logRetention });
    this.stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: stageThrottle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogGroup),
        format: accessLogFormat(props.tracing ?? false),
      },
    });
    if (this.customDomain) {
      new ApiMapping(this, 'DomainMapping', {
        api: this.api,
        domainName: this.customDomain,
        stage: this.stage,
      });
    }
    this.publicEndpoint = props.customDomain
      ? `https://${props.customDomain.domainName}`
      : this.api.apiEndpoint;
    const throttled = this.accessLogGroup.addMetricFilter('ThrottledRequestsFilter', {
      filterPattern: FilterPattern.stringValue('$.status', '=', '429'),
      metricNamespace: props.metricsNamespace ?? METRICS_NAMESPACE,
      metricName: THROTTLED_REQUESTS_METRIC,
      metricValue: '1',
    });
    this.throttledRequests = throttled.metric({
      statistic: 'Sum',
      period: Duration.minutes(5),
    });
    // aws-cdk-lib's HttpStage maps `throttle` to DefaultRouteSettings only and HttpRoute takes no
    // limits, so route limits go on the L1 stage. Its `routeSettings` is untyped JSON passed
    // through unchanged, hence CloudFormation's own (PascalCase) names. Lazy, because routes
    // added later (the token endpoint's) are throttled after this stage exists.
    this.cfnStage = this.stage.node.defaultChild as CfnStage;
    this.cfnStage.routeSettings = Lazy.any({ produce: () => this.renderRouteSettings() });
    this.node.addValidation({ validate: () => this.findUnthrottledRoutes() });

    const vendors = new Map<string, VendorIngest>();
    for (const vendor of props.vendors) {
      const ingest = new VendorIngest(this, vendor, props);
      const integration = new HttpLambdaIntegration(`${vendor.id}Integration`, ingest.function);
      for (const path of vendor.routes) {
        for (const route of this.api.addRoutes({ path, methods: [HttpMethod.POST], integration })) {
          this.throttleRoute(route, vendor.throttle ?? routeThrottle);
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

  /** The stage's execute-api URL, with a trailing slash; routes are appended to it. */
  get url(): string {
    return this.stage.url;
  }

  /**
   * Gives a route of this API its own bucket on the stage, so traffic on it spends only its own
   * limits. Every route of the API needs one; the vendor routes get theirs in the constructor.
   */
  throttleRoute(route: HttpRoute, limits: RouteThrottle): void {
    const cfnRoute = route.node.defaultChild as CfnRoute;
    const routeKey = cfnRoute.routeKey;
    if (route.httpApi !== this.api) {
      throw new Error(`IngestApi: route "${routeKey}" belongs to another API`);
    }
    if (this.routeThrottles.has(routeKey)) {
      throw new Error(`IngestApi: route "${routeKey}" is throttled twice`);
    }
    validateThrottle(`throttle of route "${routeKey}"`, limits);
    this.routeThrottles.set(routeKey, limits);
    // CloudFormation refuses a stage whose RouteSettings name a route that does not exist yet
    // ("Unable to find Route by key … within the provided RouteSettings").
    this.cfnStage.addResourceDependency(cfnRoute);
  }

  private renderRouteSettings(): Record<string, Record<string, number>> {
    // Both limits always, so a route's limits never depend on how API Gateway fills a missing
    // one (from the stage default or the account's).
    const settings: Record<string, Record<string, number>> = {};
    for (const [routeKey, limits] of this.routeThrottles) {
      settings[routeKey] = {
        ThrottlingBurstLimit: limits.burstLimit,
        ThrottlingRateLimit: limits.rateLimit,
      };
    }
    return settings;
  }

  private findUnthrottledRoutes(): string[] {
    const missing = this.api.node
      .findAll()
      .filter((child): child is CfnRoute => child instanceof CfnRoute)
      .map((route) => route.routeKey)
      .filter((routeKey) => !this.routeThrottles.has(routeKey));
    return missing.length === 0
      ? []
      : [
          `IngestApi: route(s) ${missing.join(', ')} have no throttle of their own; expected ` +
            'throttleRoute(route, limits) for every route added to the API',
        ];
  }
}

// No headers, bodies or query strings: they may carry signatures or personal data. `requestId`
// is also the `requestId` of the function's log lines (and the answer's apigw-requestid header).
function accessLogFormat(tracing: boolean): AccessLogFormat {
  return AccessLogFormat.custom(
    JSON.stringify({ ...ACCESS_LOG_FIELDS, ...(tracing && TRACING_FIELDS) }),
  );
}

/**
 * One line per request, every byte of it ingested and stored: no time (the line's `@timestamp`
 * is the request's, to the millisecond) and no answer size (the answers are a few fixed bytes).
 */
export const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  sourceIp: '$context.identity.sourceIp',
  routeKey: '$context.routeKey',
  status: '$context.status',
  responseLatency: '$context.responseLatency',
  integrationStatus: '$context.integrationStatus',
  integrationLatency: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
  error: '$context.error.message',
};

// The Lambda request id of the invocation: the `function_request_id` of its log lines and the id
// X-Ray shows the function's trace under (an HTTP API itself has no X-Ray tracing).
const TRACING_FIELDS = { integrationRequestId: '$context.integration.requestId' };

function validateThrottle(name: string, limits: RouteThrottle): void {
  for (const field of ['rateLimit', 'burstLimit'] as const) {
    const { min, max } = THROTTLE_BOUNDS[field];
    const value = limits[field];
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new Error(
        `IngestApi: ${name}: ${field} must be an integer from ${min} to ${max}, got ${value}`,
      );
    }
  }
}

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
