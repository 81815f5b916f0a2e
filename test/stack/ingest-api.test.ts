import { Match } from 'aws-cdk-lib/assertions';
import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ENV } from '../../lambdas/runtime/env.js';
import { VENDORS } from '../../lambdas/vendors/registry.js';
import { resourcesOf, synthStack } from './synth-stack.js';

const template = synthStack({ vendors: VENDORS.map((vendor) => vendor.id) });

interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
}

/** The ingest function of each vendor, keyed by the vendor id in its environment. */
function ingestFunctions(t: Template): Map<string, { id: string; env: Record<string, unknown> }> {
  const found = new Map<string, { id: string; env: Record<string, unknown> }>();
  for (const [id, fn] of resourcesOf(t, 'AWS::Lambda::Function')) {
    const env = (fn.Properties['Environment'] as { Variables: Record<string, unknown> }).Variables;
    const vendor = env[ENV.vendor];
    if (typeof vendor === 'string') found.set(vendor, { id, env });
  }
  return found;
}

function secretIdOf(t: Template, vendorId: string): string {
  const secrets = resourcesOf(t, 'AWS::SecretsManager::Secret').filter(([, secret]) =>
    String(secret.Properties['Description']).includes(` ${vendorId} `),
  );
  expect(secrets).toHaveLength(1);
  return secrets[0]![0];
}

/** Every statement of every policy attached to the role of the given function. */
function statementsOf(t: Template, functionId: string): Statement[] {
  const fn = t.toJSON()['Resources'][functionId] as { Properties: { Role: unknown } };
  const roleId = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  return resourcesOf(t, 'AWS::IAM::Policy')
    .filter(([, policy]) => JSON.stringify(policy.Properties['Roles']).includes(`"${roleId}"`))
    .flatMap(
      ([, policy]) => (policy.Properties['PolicyDocument'] as { Statement: Statement[] }).Statement,
    );
}

function actionsOf(statement: Statement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
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

  it('logs access to a log group with retention and throttles the default stage', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingBurstLimit: 100, ThrottlingRateLimit: 50 },
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
    expect(JSON.stringify(reduced.toJSON())).not.toContain(dropped.id);
  });
});
