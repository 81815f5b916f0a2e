import { Duration, Validations } from 'aws-cdk-lib';
import { HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import type { HttpRoute } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ENV } from '../../lambdas/runtime/env.js';
import {
  DEFAULT_TOKEN_TTL_SECONDS,
  readTokenTtl,
  TOKEN_PATH,
} from '../../lambdas/token/issue-token.js';
import { grantSecretRead } from './ingest-api.js';
import type { IngestApi, RouteThrottle } from './ingest-api.js';
import { buildNodeFunction, sharedFunctionSettings } from './node-function.js';

/**
 * The token route's own bucket, lower than a webhook route's. A client-credentials client needs
 * one token per lifetime (300 s by default); Ondato does not document whether it reuses tokens,
 * so at worst it fetches one per delivery, and then a throttled fetch only delays a delivery
 * that Ondato retries with backoff for 24 h. The low limit also bounds how fast anyone can try
 * client credentials against it.
 */
export const DEFAULT_TOKEN_THROTTLE: RouteThrottle = { rateLimit: 10, burstLimit: 20 };

export interface TokenEndpointProps {
  /** The webhook API; the token route is added beside the webhook routes, on the same stage. */
  readonly ingest: IngestApi;
  /** The Ondato secret, the same one the Ondato ingest function reads. */
  readonly secret: ISecret;
  /** How long the function caches the secret before reading it again. */
  readonly secretMaxAgeSeconds: number;
  readonly logRetention: RetentionDays;
  /** Lifetime of an issued access token. @default 300 seconds */
  readonly tokenTtlSeconds?: number;
  /** The token route's own limits. @default DEFAULT_TOKEN_THROTTLE (rate 10, burst 20) */
  readonly throttle?: RouteThrottle;
  /** @default METRICS_NAMESPACE */
  readonly metricsNamespace?: string;
  /** X-Ray active tracing. @default false */
  readonly tracing?: boolean;
}

/**
 * Ondato's OAuth2 token URL: `POST /oauth/ondato/token` on the webhook API, served by its own
 * function that may read the Ondato secret and nothing else. Tokens are stateless, so the
 * function needs no table and no queue.
 */
export class TokenEndpoint extends Construct {
  readonly function: NodejsFunction;
  readonly routes: HttpRoute[];
  /**
   * The token URL to give Ondato (the API serves its `$default` stage at the root), on the custom
   * domain when there is one.
   */
  readonly url: string;

  constructor(scope: Construct, id: string, props: TokenEndpointProps) {
    super(scope, id);
    // Validated here too, so a bad value fails the synth rather than the function's cold start.
    const ttl = readTokenTtl(props.tokenTtlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS);
    this.function = buildNodeFunction(this, 'Function', {
      entry: 'lambdas/token/handler.ts',
      serviceName: 'kyc-token-ondato',
      description: 'Issues OAuth2 access tokens to Ondato for its webhooks',
      timeout: Duration.seconds(10),
      memorySize: 256,
      ...sharedFunctionSettings(props),
      environment: {
        [ENV.secretId]: props.secret.secretArn,
        [ENV.secretMaxAgeSeconds]: String(props.secretMaxAgeSeconds),
        [ENV.tokenTtlSeconds]: String(ttl),
      },
    });
    // GetSecretValue on the Ondato secret is the function's only AWS call (lambdas/token/handler.ts).
    grantSecretRead(this.function, props.secret.secretArn);
    this.url = `${props.ingest.publicEndpoint}${TOKEN_PATH}`;
    this.routes = props.ingest.api.addRoutes({
      path: TOKEN_PATH,
      methods: [HttpMethod.POST],
      integration: new HttpLambdaIntegration('OndatoTokenIntegration', this.function),
    });
    for (const route of this.routes) {
      props.ingest.throttleRoute(route, props.throttle ?? DEFAULT_TOKEN_THROTTLE);
      Validations.of(route).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'An OAuth2 token endpoint (RFC 6749 §4.4): the client authenticates with its client ' +
          'credentials, which the function verifies in constant time against the Ondato ' +
          'secret, behind the same IP allow-list; it issues the Bearer tokens the webhook ' +
          'route accepts, so it cannot itself require one.',
      });
    }
  }
}
