import { describe, expect, it } from 'vitest';
import { ENV } from '../../lambdas/runtime/env.js';
import { VENDORS } from '../../lambdas/vendors/registry.js';
import { OUTPUTS } from '../../lib/outputs.js';
import { environmentOf, resourcesOf, synthStack } from './synth-stack.js';

function accessLogFormat(overrides: Readonly<Record<string, unknown>>): Record<string, string> {
  const stages = resourcesOf(synthStack(overrides), 'AWS::ApiGatewayV2::Stage');
  expect(stages).toHaveLength(1);
  const [, stage] = stages[0]!;
  const settings = stage.Properties['AccessLogSettings'] as { Format: string };
  return JSON.parse(settings.Format) as Record<string, string>;
}

describe('tracing (off by default)', () => {
  it('logs each request’s ids, source, route, status, latencies and errors, and nothing else', () => {
    expect(Object.keys(accessLogFormat({})).sort()).toEqual([
      'error',
      'integrationError',
      'integrationLatency',
      'integrationStatus',
      'requestId',
      'responseLatency',
      'routeKey',
      'sourceIp',
      'status',
    ]);
  });

  it('is off by default: no active tracing, no Lambda request id in the access log', () => {
    for (const [id, fn] of resourcesOf(synthStack(), 'AWS::Lambda::Function')) {
      expect(fn.Properties, id).not.toHaveProperty('TracingConfig');
    }
    expect(accessLogFormat({})).not.toHaveProperty('integrationRequestId');
  });

  it('turns on X-Ray active tracing on every function', () => {
    const functions = resourcesOf(synthStack({ tracing: true }), 'AWS::Lambda::Function');
    expect(functions).toHaveLength(VENDORS.length + 4);
    for (const [id, fn] of functions) {
      expect(fn.Properties['TracingConfig'], id).toEqual({ Mode: 'Active' });
    }
  });

  it('logs beside the API request id the Lambda request id its trace is filed under', () => {
    expect(accessLogFormat({ tracing: true })).toMatchObject({
      requestId: '$context.requestId',
      integrationRequestId: '$context.integration.requestId',
    });
  });
});

describe('custom domain (none by default)', () => {
  const certificateArn =
    'arn:aws:acm:eu-west-1:123456789012:certificate/1234abcd-12ab-34cd-56ef-1234567890ab';
  const template = synthStack({
    customDomain: { domainName: 'webhooks.example.com', certificateArn },
    stages: {},
  });

  it('is absent by default', () => {
    const plain = synthStack();
    plain.resourceCountIs('AWS::ApiGatewayV2::DomainName', 0);
    expect(Object.keys(plain.findOutputs('*'))).not.toContain(OUTPUTS.customDomainUrl);
  });

  it('maps the API stage to a regional TLS 1.2 domain with the given certificate', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: 'webhooks.example.com',
      DomainNameConfigurations: [
        { CertificateArn: certificateArn, EndpointType: 'REGIONAL', SecurityPolicy: 'TLS_1_2' },
      ],
    });
    template.resourceCountIs('AWS::ApiGatewayV2::ApiMapping', 1);
  });

  it('outputs the URL for vendors and the DNS target; Ondato’s token URL is on the domain', () => {
    const outputs = template.findOutputs('*');
    expect(outputs[OUTPUTS.customDomainUrl]?.['Value']).toBe('https://webhooks.example.com/');
    expect(JSON.stringify(outputs[OUTPUTS.customDomainTarget]?.['Value'])).toContain(
      'RegionalDomainName',
    );
    expect(JSON.stringify(outputs[OUTPUTS.customDomainHostedZoneId]?.['Value'])).toContain(
      'RegionalHostedZoneId',
    );
    expect(outputs[OUTPUTS.ondatoTokenUrl]?.['Value']).toBe(
      'https://webhooks.example.com/oauth/ondato/token',
    );
  });
});

describe('ingest reserved concurrency (none by default)', () => {
  const ingestOf = (overrides: Readonly<Record<string, unknown>>) =>
    resourcesOf(synthStack(overrides), 'AWS::Lambda::Function').map(([id, fn]) => ({
      id,
      ingest: typeof environmentOf(fn)[ENV.vendor] === 'string',
      reserved: fn.Properties['ReservedConcurrentExecutions'],
    }));

  it('reserves nothing by default', () => {
    for (const fn of ingestOf({})) expect(fn.reserved, fn.id).toBeUndefined();
  });

  it('reserves the configured concurrency for each ingest function, and only for those', () => {
    for (const fn of ingestOf({ ingestReservedConcurrency: 25 })) {
      expect(fn.reserved, fn.id).toBe(fn.ingest ? 25 : undefined);
    }
  });
});

describe('ingest system log level (Lambda platform records)', () => {
  const levelsOf = (overrides: Readonly<Record<string, unknown>>) =>
    resourcesOf(synthStack(overrides), 'AWS::Lambda::Function').map(([id, fn]) => ({
      id,
      ingest: typeof environmentOf(fn)[ENV.vendor] === 'string',
      level: (fn.Properties['LoggingConfig'] as { SystemLogLevel?: string } | undefined)
        ?.SystemLogLevel,
    }));

  it('keeps no start or report record of an ingest function by default, and every other function’s', () => {
    const functions = levelsOf({});
    expect(functions.filter((fn) => fn.ingest).length).toBeGreaterThan(1);
    expect(functions.filter((fn) => !fn.ingest).length).toBeGreaterThan(1);
    for (const fn of functions) expect(fn.level, fn.id).toBe(fn.ingest ? 'WARN' : undefined);
  });

  it('sets the configured level on the ingest functions only', () => {
    for (const fn of levelsOf({ ingestSystemLogLevel: 'INFO' })) {
      expect(fn.level, fn.id).toBe(fn.ingest ? 'INFO' : undefined);
    }
  });
});
