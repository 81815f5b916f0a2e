import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUrlIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { ENV } from '../../lambdas/runtime/env.js';
import { VENDORS } from '../../lambdas/vendors/registry.js';
import { IngestApi } from '../../lib/constructs/ingest-api.js';
import type { IngestVendor } from '../../lib/constructs/ingest-api.js';
import {
  actionsOf,
  environmentOf,
  resourcesOf,
  secretIdOf,
  statementsOf,
  synthStack,
} from './synth-stack.js';

const template = synthStack({ vendors: VENDORS.map((vendor) => vendor.id) });

/** The ingest function of each vendor, keyed by the vendor id in its environment. */
function ingestFunctions(t: Template): Map<string, { id: string; env: Record<string, unknown> }> {
  const found = new Map<string, { id: string; env: Record<string, unknown> }>();
  for (const [id, fn] of resourcesOf(t, 'AWS::Lambda::Function')) {
    const env = environmentOf(fn);
    const vendor = env[ENV.vendor];
    if (typeof vendor === 'string') found.set(vendor, { id, env });
  }
  return found;
}

const TOKEN_ROUTE_KEY = 'POST /oauth/ondato/token';

/** Route keys of a vendor's routes, as API Gateway names them. */
function routeKeysOf(vendorId: string): string[] {
  const vendor = VENDORS.find((v) => v.id === vendorId);
  if (!vendor) throw new Error(`no vendor ${vendorId}`);
  return vendor.routes.map((route) => `POST ${route}`);
}

/** The stage's RouteSettings, keyed by route key. */
function routeSettingsOf(t: Template): Record<string, unknown> {
  const stages = resourcesOf(t, 'AWS::ApiGatewayV2::Stage');
  expect(stages).toHaveLength(1);
  return stages[0]![1].Properties['RouteSettings'] as Record<string, unknown>;
}

function limits(rateLimit: number, burstLimit: number): Record<string, number> {
  return { ThrottlingBurstLimit: burstLimit, ThrottlingRateLimit: rateLimit };
}

/** An IngestApi alone in a stack, for what the stack's config never produces. */
function bareIngestApi(vendors: readonly IngestVendor[]): { stack: Stack; ingest: IngestApi } {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'IngestTest', {
    env: { account: '123456789012', region: 'eu-west-1' },
  });
  const ingest = new IngestApi(stack, 'IngestApi', {
    vendors,
    queue: new Queue(stack, 'Queue'),
    secretMaxAgeSeconds: 300,
    logRetention: RetentionDays.ONE_MONTH,
  });
  return { stack, ingest };
}

describe('ingest API', () => {
  it('has exactly one POST route per route of each enabled vendor, plus Ondato’s token route', () => {
    const routes = [
      ...VENDORS.flatMap((vendor) => vendor.routes.map((route) => `POST ${route}`)),
      'POST /oauth/ondato/token',
    ];
    const routeKeys = resourcesOf(template, 'AWS::ApiGatewayV2::Route').map(
      ([, route]) => route.Properties['RouteKey'],
    );
    expect(routeKeys.sort()).toEqual([...routes].sort());
  });

  it("integrates each vendor's routes with that vendor's own function", () => {
    const functions = ingestFunctions(template);
    const integrations = template.toJSON()['Resources'] as Record<
      string,
      { Type: string; Properties: Record<string, unknown> }
    >;
    const webhookRoutes = resourcesOf(template, 'AWS::ApiGatewayV2::Route').filter(([, route]) =>
      String(route.Properties['RouteKey']).startsWith('POST /webhooks/'),
    );
    expect(webhookRoutes.length).toBeGreaterThan(0);
    for (const [, route] of webhookRoutes) {
      const routeKey = String(route.Properties['RouteKey']);
      const vendor = VENDORS.find((v) => v.routes.some((path) => routeKey === `POST ${path}`));
      const target = JSON.stringify(route.Properties['Target']);
      const integrationId = /"Ref":"([A-Za-z0-9]+)"/.exec(target)?.[1];
      const integration = integrations[integrationId ?? ''];
      expect(integration?.Properties['PayloadFormatVersion']).toBe('2.0');
      expect(JSON.stringify(integration?.Properties['IntegrationUri'])).toContain(
        `"${functions.get(vendor?.id ?? '')?.id}"`,
      );
    }
  });

  it('logs access to a log group with retention and keeps a low catch-all stage throttle', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingBurstLimit: 10, ThrottlingRateLimit: 5 },
      AccessLogSettings: {
        DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^IngestApiAccessLogs'), 'Arn'] },
        Format: Match.stringLikeRegexp('\\$context\\.requestId'),
      },
    });
    const accessLogs = resourcesOf(template, 'AWS::Logs::LogGroup').filter(([id]) =>
      id.startsWith('IngestApiAccessLogs'),
    );
    expect(accessLogs.map(([, group]) => group.Properties['RetentionInDays'])).toEqual([30]);
    template.hasOutput('ApiUrl', {});
  });

  it('gives every vendor route and the token route a bucket of its own', () => {
    const settings = routeSettingsOf(template);
    const routeKeys = resourcesOf(template, 'AWS::ApiGatewayV2::Route').map(([, route]) =>
      String(route.Properties['RouteKey']),
    );
    expect(Object.keys(settings).sort()).toEqual([...routeKeys].sort());
    for (const routeKey of VENDORS.flatMap((vendor) => routeKeysOf(vendor.id))) {
      expect(settings[routeKey], routeKey).toEqual(limits(50, 100));
    }
    expect(settings[TOKEN_ROUTE_KEY]).toEqual(limits(10, 20));
  });

  it('creates the stage after every route its settings name, as CloudFormation requires', () => {
    const stageId = resourcesOf(template, 'AWS::ApiGatewayV2::Stage')[0]?.[0] ?? '';
    const dependsOn = template.toJSON()['Resources'][stageId]['DependsOn'] as string[];
    for (const [routeId] of resourcesOf(template, 'AWS::ApiGatewayV2::Route')) {
      expect(dependsOn).toContain(routeId);
    }
  });

  it('applies a vendor’s throttle from context to that vendor’s routes only', () => {
    const configured = synthStack({
      throttle: {
        default: { rateLimit: 20, burstLimit: 40 },
        treezor: { rateLimit: 100 },
        truuth: { burstLimit: 300 },
      },
    });
    const settings = routeSettingsOf(configured);
    const expected = (vendorId: string): Record<string, number> => {
      if (vendorId === 'treezor') return limits(100, 40);
      if (vendorId === 'truuth') return limits(20, 300);
      return limits(20, 40);
    };
    for (const vendor of VENDORS) {
      for (const routeKey of routeKeysOf(vendor.id)) {
        expect(settings[routeKey], routeKey).toEqual(expected(vendor.id));
      }
    }
    expect(settings[TOKEN_ROUTE_KEY]).toEqual(limits(10, 20));
    configured.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingBurstLimit: 10, ThrottlingRateLimit: 5 },
    });
  });

  it.each([
    [
      { acme: { rateLimit: 5 } },
      /"throttle": has unknown key\(s\) acme; expected "default" or a registered vendor id/,
    ],
    [{ idwise: { burstLimit: 0 } }, /"throttle.idwise.burstLimit": expected an integer from 1/],
    [{ default: { rateLimit: 20_000 } }, /"throttle.default.rateLimit": .* to 10000, got 20000/],
  ])('refuses throttle %j in context, saying what was expected', (throttle, message) => {
    expect(() => synthStack({ throttle })).toThrow(message);
  });

  it('refuses out-of-range limits passed to the construct', () => {
    expect(() =>
      bareIngestApi([
        { id: 'acme', routes: ['/webhooks/acme'], throttle: { rateLimit: 10, burstLimit: 0 } },
      ]),
    ).toThrow(/throttle of route "POST \/webhooks\/acme": burstLimit must be an integer from 1/);
  });

  it('refuses to synthesize a route added to the API without a throttle of its own', () => {
    const { stack, ingest } = bareIngestApi([{ id: 'acme', routes: ['/webhooks/acme'] }]);
    ingest.api.addRoutes({
      path: '/extra',
      methods: [HttpMethod.GET],
      integration: new HttpUrlIntegration('Extra', 'https://example.com'),
    });
    expect(() => Template.fromStack(stack)).toThrow(
      /route\(s\) GET \/extra have no throttle of their own/,
    );
  });

  it('creates one ingest function per enabled vendor with its own secret and the queue in env', () => {
    const functions = ingestFunctions(template);
    expect([...functions.keys()].sort()).toEqual(VENDORS.map((v) => v.id).sort());
    for (const vendor of VENDORS) {
      const fn = functions.get(vendor.id);
      expect(fn?.env[ENV.secretId]).toEqual({ Ref: secretIdOf(template, vendor.id) });
      expect(JSON.stringify(fn?.env[ENV.queueUrl])).toMatch(/"Ref":"IngestQueue[0-9A-F]{8}"/);
      expect(fn?.env[ENV.secretMaxAgeSeconds]).toBe('300');
    }
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ [ENV.vendor]: Match.anyValue() }) },
      Timeout: 10,
      MemorySize: 256,
    });
  });

  it('creates a retained placeholder secret per vendor, holding no credential', () => {
    const secrets = resourcesOf(template, 'AWS::SecretsManager::Secret');
    expect(secrets).toHaveLength(VENDORS.length);
    for (const [id, secret] of secrets) {
      expect(secret.Properties['SecretString']).toBe('{}');
      expect(secret.Properties['GenerateSecretString']).toBeUndefined();
      expect(secret.DeletionPolicy).toBe('Retain');
      expect(secret.UpdateReplacePolicy).toBe('Retain');
      const outputs = Object.values(template.findOutputs('*'));
      expect(outputs.some((output) => JSON.stringify(output['Value']) === `{"Ref":"${id}"}`)).toBe(
        true,
      );
    }
  });

  it.each(VENDORS.map((vendor) => [vendor.id]))(
    'lets the %s function read only its own secret and send to the queue',
    (vendorId) => {
      const fn = ingestFunctions(template).get(vendorId);
      const statements = statementsOf(template, fn?.id ?? '');
      const secretStatements = statements.filter((s) =>
        actionsOf(s).some((action) => action.startsWith('secretsmanager:')),
      );
      expect(secretStatements.length).toBeGreaterThan(0);
      for (const statement of secretStatements) {
        expect(statement.Resource).toEqual({ Ref: secretIdOf(template, vendorId) });
      }
      const others = VENDORS.filter((v) => v.id !== vendorId).map((v) =>
        secretIdOf(template, v.id),
      );
      for (const other of others) {
        expect(JSON.stringify(statements)).not.toContain(`"${other}"`);
      }
      expect(JSON.stringify(statements)).not.toMatch(/"Resource":"\*"/);
      const send = statements.find((s) => actionsOf(s).includes('sqs:SendMessage'));
      expect(JSON.stringify(send?.Resource)).toMatch(/IngestQueue[0-9A-F]{8}"/);
      expect(statements.flatMap(actionsOf)).not.toContain('sqs:ReceiveMessage');
    },
  );

  it('removes the route, function and secret of a disabled vendor', () => {
    const [kept, dropped] = VENDORS;
    if (kept === undefined || dropped === undefined) throw new Error('needs two vendors');
    const reduced = synthStack({ vendors: [kept.id] });
    expect([...ingestFunctions(reduced).keys()]).toEqual([kept.id]);
    reduced.resourceCountIs('AWS::SecretsManager::Secret', 1);
    const routeKeys = resourcesOf(reduced, 'AWS::ApiGatewayV2::Route').map(
      ([, route]) => route.Properties['RouteKey'],
    );
    expect(routeKeys.sort()).toEqual(kept.routes.map((route) => `POST ${route}`).sort());
    expect(Object.keys(routeSettingsOf(reduced)).sort()).toEqual([...routeKeys].sort());
    expect(JSON.stringify(reduced.toJSON())).not.toContain(dropped.id);
  });

  it('accepts, and ignores, a throttle for a registered vendor that is not enabled', () => {
    const [kept, dropped] = VENDORS;
    if (kept === undefined || dropped === undefined) throw new Error('needs two vendors');
    const reduced = synthStack({
      vendors: [kept.id],
      throttle: { [dropped.id]: { rateLimit: 7 } },
    });
    expect(Object.keys(routeSettingsOf(reduced)).sort()).toEqual(routeKeysOf(kept.id).sort());
  });
});
