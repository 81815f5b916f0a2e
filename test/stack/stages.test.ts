import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ENV } from '../../lambdas/runtime/env.js';
import { STACK_NAME, stackNameFor } from '../../lib/outputs.js';
import { buildStack, resourcesOf, synthStack } from './synth-stack.js';
import type { CfnResource } from './synth-stack.js';

/** Properties that give a resource a fixed name (CloudFormation generates every other one). */
const NAME_PROPERTIES = ['Name', 'DashboardName', 'TableName', 'QueueName', 'TopicName'];

/** Every fixed name in the template, as `Type.Property=value`. */
function fixedNames(template: Template): string[] {
  const names: string[] = [];
  const resources = (template.toJSON() as { Resources: Record<string, CfnResource> }).Resources;
  for (const resource of Object.values(resources)) {
    for (const property of NAME_PROPERTIES) {
      const value = (resource.Properties as Record<string, unknown> | undefined)?.[property];
      if (value !== undefined) names.push(`${resource.Type}.${property}=${JSON.stringify(value)}`);
    }
  }
  return names.sort();
}

/** Every metric namespace the template names: functions, alarms, metric filters, dashboard. */
function namespaces(template: Template): string[] {
  const text = JSON.stringify(template.toJSON());
  const found = new Set<string>();
  for (const match of text.matchAll(/"(?:Namespace|MetricNamespace)":"([^"]+)"/g)) {
    found.add(match[1]!);
  }
  for (const match of text.matchAll(/"POWERTOOLS_METRICS_NAMESPACE":"([^"]+)"/g)) {
    found.add(match[1]!);
  }
  return [...found].filter((ns) => !ns.startsWith('AWS/')).sort();
}

describe('stages', () => {
  const base = synthStack();
  const staging = synthStack({}, { stage: 'staging' });

  it('deploy as KycWebhooks-<stage>; without a stage, KycWebhooks', () => {
    expect(stackNameFor()).toBe(STACK_NAME);
    expect(STACK_NAME).toBe('KycWebhooks');
    expect(stackNameFor('staging')).toBe('KycWebhooks-staging');
    expect(buildStack({}, { stage: 'staging' }).stack.stackName).toBe('KycWebhooks-staging');
  });

  it('keep today’s names without a stage', () => {
    expect(fixedNames(base)).toEqual([
      'AWS::ApiGatewayV2::Api.Name="Api"',
      'AWS::Events::EventBus.Name="kyc-webhooks"',
    ]);
    expect(namespaces(base)).toEqual(['KycWebhooks']);
  });

  it('put the stage in every fixed name of a stage’s stack', () => {
    const names = fixedNames(staging);
    expect(names).toEqual([
      'AWS::ApiGatewayV2::Api.Name="KycWebhooks-staging"',
      'AWS::CloudWatch::Dashboard.DashboardName="KycWebhooks-staging"',
      'AWS::Events::EventBus.Name="kyc-webhooks-staging"',
    ]);
    staging.hasOutput('EventBusName', {});
  });

  it('give a stage its own metric namespace, read by functions, alarms and the dashboard alike', () => {
    expect(namespaces(staging)).toEqual(['KycWebhooks-staging']);
    for (const [id, fn] of resourcesOf(staging, 'AWS::Lambda::Function')) {
      const env = (fn.Properties['Environment'] as { Variables: Record<string, unknown> })
        .Variables;
      // Ingest functions write no EMF (metric filters count their lines): they need none.
      if (typeof env[ENV.vendor] === 'string') continue;
      expect(env['POWERTOOLS_METRICS_NAMESPACE'], id).toBe('KycWebhooks-staging');
    }
    // A search needs the hyphenated namespace quoted.
    const dashboards = resourcesOf(staging, 'AWS::CloudWatch::Dashboard');
    expect(JSON.stringify(dashboards)).toContain('{\\\\\\"KycWebhooks-staging\\\\\\",reason}');
  });

  it('name the alarm e-mails’ sender after the stage', () => {
    synthStack({ alarmEmail: 'ops@example.com' }, { stage: 'staging' }).hasResourceProperties(
      'AWS::SNS::Topic',
      { DisplayName: 'KYC webhooks alarms (staging)' },
    );
  });

  it('take a stage’s settings from stages.<stage> over the base block', () => {
    const template = synthStack(
      { stages: { staging: { retentionDays: 7, includePayload: false } } },
      { stage: 'staging' },
    );
    const processor = resourcesOf(template, 'AWS::Lambda::Function').find(([id]) =>
      id.startsWith('ProcessorFunction'),
    )!;
    const env = (processor[1].Properties['Environment'] as { Variables: Record<string, unknown> })
      .Variables;
    expect(env[ENV.retentionDays]).toBe('7');
    expect(env[ENV.includePayload]).toBe('false');
    template.hasResourceProperties('AWS::Events::Archive', { RetentionDays: 7 });
  });

  it('refuse a stage cdk.json does not declare', () => {
    expect(() => synthStack({}, { stage: 'prod' })).toThrow(/stage "prod" is not declared/);
  });
});
