import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { ENV } from '../../lambdas/runtime/env.js';
import { ONDATO_ROUTE } from '../../lambdas/vendors/ondato.js';
import { findVendor, VENDORS } from '../../lambdas/vendors/registry.js';
import { IngestApi } from '../../lib/constructs/ingest-api.js';
import { DEFAULT_TOKEN_THROTTLE, TokenEndpoint } from '../../lib/constructs/token-endpoint.js';
import type { TokenEndpointProps } from '../../lib/constructs/token-endpoint.js';
import {
  actionsOf,
  environmentOf,
  resourcesOf,
  secretIdOf,
  statementsOf,
  synthStack,
  type CfnResource,
} from './synth-stack.js';

// The built-in template validator costs seconds per synth and adds nothing asserted here.
process.env['CDK_VALIDATION'] = 'false';

const TOKEN_ROUTE_KEY = 'POST /oauth/ondato/token';

/**
 * The token endpoint beside an Ondato and an IDWise ingest, built from the constructs the stack
 * uses, so it can be tested whether or not `ondato` is in the registry yet.
 */
function synthPieces(
  options: Pick<TokenEndpointProps, 'tokenTtlSeconds' | 'throttle'> = {},
): Template {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'TokenTest', {
    env: { account: '123456789012', region: 'eu-west-1' },
  });
  const ingest = new IngestApi(stack, 'IngestApi', {
    vendors: [
      { id: 'ondato', routes: [ONDATO_ROUTE] },
      { id: 'idwise', routes: ['/webhooks/idwise'] },
    ],
    queue: new Queue(stack, 'Queue'),
    secretMaxAgeSeconds: 120,
    logRetention: RetentionDays.ONE_MONTH,
  });
  const ondato = ingest.vendors.get('ondato');
  if (!ondato) throw new Error('no ondato ingest');
  new TokenEndpoint(stack, 'OndatoToken', {
    ingest,
    secret: ondato.secret,
    secretMaxAgeSeconds: 120,
    logRetention: RetentionDays.ONE_MONTH,
    ...options,
  });
  return Template.fromStack(stack);
}

function routeKeys(template: Template): string[] {
  return resourcesOf(template, 'AWS::ApiGatewayV2::Route').map(([, route]) =>
    String(route.Properties['RouteKey']),
  );
}

function routeSettingsOf(template: Template): Record<string, Record<string, number>> {
  const [stage] = resourcesOf(template, 'AWS::ApiGatewayV2::Stage');
  return stage?.[1].Properties['RouteSettings'] as Record<string, Record<string, number>>;
}

function tokenFunction(template: Template): [string, CfnResource] {
  const found = resourcesOf(template, 'AWS::Lambda::Function').filter(
    ([, fn]) => environmentOf(fn)['POWERTOOLS_SERVICE_NAME'] === 'kyc-token-ondato',
  );
  expect(found).toHaveLength(1);
  return found[0]!;
}

describe('token endpoint construct', () => {
  const template = synthPieces();

  it('adds POST /oauth/ondato/token to the webhook API, beside the webhook routes', () => {
    expect(routeKeys(template).sort()).toEqual(
      [TOKEN_ROUTE_KEY, 'POST /webhooks/idwise', 'POST /webhooks/ondato'].sort(),
    );
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
  });

  it('integrates the route with the token function, payload format 2.0', () => {
    const [functionId] = tokenFunction(template);
    const [, route] = resourcesOf(template, 'AWS::ApiGatewayV2::Route').find(
      ([, r]) => r.Properties['RouteKey'] === TOKEN_ROUTE_KEY,
    )!;
    const integrationId = /"Ref":"([A-Za-z0-9]+)"/.exec(
      JSON.stringify(route.Properties['Target']),
    )?.[1];
    const integration = template.toJSON()['Resources'][integrationId ?? ''] as CfnResource;
    expect(integration.Properties['PayloadFormatVersion']).toBe('2.0');
    expect(JSON.stringify(integration.Properties['IntegrationUri'])).toContain(`"${functionId}"`);
  });

  it('runs the token handler on Node.js 24 arm64 with the Ondato secret and the TTL in env', () => {
    const [, fn] = tokenFunction(template);
    expect(fn.Properties['Runtime']).toBe('nodejs24.x');
    expect(fn.Properties['Architectures']).toEqual(['arm64']);
    expect(fn.Properties['Timeout']).toBe(10);
    const env = environmentOf(fn);
    expect(env[ENV.secretId]).toEqual({ Ref: secretIdOf(template, 'ondato') });
    expect(env[ENV.secretMaxAgeSeconds]).toBe('120');
    expect(env[ENV.tokenTtlSeconds]).toBe('300');
    // Not an ingest function: it has no vendor variable and no queue.
    expect(env).not.toHaveProperty(ENV.vendor);
    expect(env).not.toHaveProperty(ENV.queueUrl);
  });

  it('takes a configured token lifetime, and refuses one out of range at synth time', () => {
    expect(
      environmentOf(tokenFunction(synthPieces({ tokenTtlSeconds: 900 }))[1])[ENV.tokenTtlSeconds],
    ).toBe('900');
    expect(() => synthPieces({ tokenTtlSeconds: 0 })).toThrow(/Token lifetime/);
    expect(() => synthPieces({ tokenTtlSeconds: 7200 })).toThrow(/Token lifetime/);
  });

  it('gives the token route its own bucket, lower than a webhook route’s', () => {
    const settings = routeSettingsOf(template);
    expect(settings[TOKEN_ROUTE_KEY]).toEqual({
      ThrottlingBurstLimit: DEFAULT_TOKEN_THROTTLE.burstLimit,
      ThrottlingRateLimit: DEFAULT_TOKEN_THROTTLE.rateLimit,
    });
    expect(DEFAULT_TOKEN_THROTTLE.rateLimit).toBeLessThan(
      settings['POST /webhooks/ondato']?.['ThrottlingRateLimit'] ?? 0,
    );
    const [stageId] = resourcesOf(template, 'AWS::ApiGatewayV2::Stage')[0]!;
    const [routeId] = resourcesOf(template, 'AWS::ApiGatewayV2::Route').find(
      ([, r]) => r.Properties['RouteKey'] === TOKEN_ROUTE_KEY,
    )!;
    expect(template.toJSON()['Resources'][stageId]['DependsOn']).toContain(routeId);
  });

  it('takes configured token route limits, and refuses ones out of range at synth time', () => {
    const custom = synthPieces({ throttle: { rateLimit: 3, burstLimit: 7 } });
    expect(routeSettingsOf(custom)[TOKEN_ROUTE_KEY]).toEqual({
      ThrottlingBurstLimit: 7,
      ThrottlingRateLimit: 3,
    });
    expect(() => synthPieces({ throttle: { rateLimit: 0, burstLimit: 7 } })).toThrow(
      /throttle of route "POST \/oauth\/ondato\/token": rateLimit must be an integer from 1/,
    );
  });

  it('lets the function read the Ondato secret and nothing else', () => {
    const [functionId] = tokenFunction(template);
    const statements = statementsOf(template, functionId);
    const actions = statements.flatMap(actionsOf);
    expect(actions.length).toBeGreaterThan(0);
    for (const action of actions)
      expect(action).toMatch(/^secretsmanager:(GetSecretValue|DescribeSecret)$/);
    for (const statement of statements) {
      expect(statement.Resource).toEqual({ Ref: secretIdOf(template, 'ondato') });
    }
    expect(JSON.stringify(statements)).not.toContain(secretIdOf(template, 'idwise'));
  });

  it('logs to its own log group with the configured retention', () => {
    const [, fn] = tokenFunction(template);
    const group = (fn.Properties['LoggingConfig'] as { LogGroup: { Ref: string } }).LogGroup.Ref;
    const [, logGroup] = resourcesOf(template, 'AWS::Logs::LogGroup').find(([id]) => id === group)!;
    expect(logGroup.Properties['RetentionInDays']).toBe(30);
  });
});

describe('token endpoint in the stack', () => {
  it('is absent when ondato is not an enabled vendor', () => {
    const others = VENDORS.filter((vendor) => vendor.id !== 'ondato').map((vendor) => vendor.id);
    const template = synthStack({ vendors: others });
    expect(routeKeys(template)).not.toContain(TOKEN_ROUTE_KEY);
    const services = resourcesOf(template, 'AWS::Lambda::Function').map(
      ([, fn]) => environmentOf(fn)['POWERTOOLS_SERVICE_NAME'],
    );
    expect(services).not.toContain('kyc-token-ondato');
    expect(Object.keys(template.findOutputs('*'))).not.toContain('OndatoTokenUrl');
  });

  // Runs once the registry lists `ondato` (the lead adds that line).
  it.runIf(findVendor('ondato') !== undefined)(
    'is present, reading the Ondato ingest secret, when ondato is enabled',
    () => {
      const template = synthStack({ vendors: ['ondato'] });
      expect(routeKeys(template).sort()).toEqual([TOKEN_ROUTE_KEY, `POST ${ONDATO_ROUTE}`].sort());
      const [functionId, fn] = tokenFunction(template);
      const secretId = secretIdOf(template, 'ondato');
      expect(environmentOf(fn)[ENV.secretId]).toEqual({ Ref: secretId });
      for (const statement of statementsOf(template, functionId)) {
        expect(statement.Resource).toEqual({ Ref: secretId });
      }
      template.hasOutput('OndatoTokenUrl', {});
    },
  );
});
