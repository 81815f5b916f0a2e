import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { expect } from 'vitest';
import { CONFIG_CONTEXT_KEY } from '../../lib/config.js';
import { KycWebhooksStack } from '../../lib/kyc-webhooks-stack.js';
import { stackNameFor } from '../../lib/outputs.js';

// The built-in template validator costs seconds per synth and adds nothing these tests assert.
process.env['CDK_VALIDATION'] = 'false';

interface CdkJson {
  readonly context: Record<string, unknown>;
}

const cdkJson = JSON.parse(
  readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8'),
) as CdkJson;

export interface SynthOptions {
  /** The stage to synthesize, as `-c stage=…` names it. @default none */
  readonly stage?: string;
}

/**
 * Synthesizes the stack with cdk.json's feature flags and project config, the config keys in
 * `overrides` replaced, and bundling skipped so no test waits for esbuild.
 */
export function synthStack(
  overrides: Readonly<Record<string, unknown>> = {},
  options: SynthOptions = {},
): Template {
  return Template.fromStack(buildStack(overrides, options).stack);
}

/** The app and stack `synthStack` synthesizes, for tests that add to the app first. */
export function buildStack(
  overrides: Readonly<Record<string, unknown>> = {},
  options: SynthOptions = {},
): {
  readonly app: App;
  readonly stack: KycWebhooksStack;
} {
  const projectConfig = cdkJson.context[CONFIG_CONTEXT_KEY] as Record<string, unknown>;
  const app = new App({
    context: {
      ...cdkJson.context,
      [CONFIG_CONTEXT_KEY]: { ...projectConfig, ...overrides },
      'aws:cdk:bundling-stacks': [],
    },
  });
  const stack = new KycWebhooksStack(app, stackNameFor(options.stage), {
    ...(options.stage !== undefined && { stage: options.stage }),
    env: { account: '123456789012', region: 'eu-west-1' },
  });
  return { app, stack };
}

/** Resources of one type as `[logicalId, resource]` pairs. */
export function resourcesOf(template: Template, type: string): [string, CfnResource][] {
  return Object.entries(template.findResources(type) as Record<string, CfnResource>);
}

export interface CfnResource {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
}

/** The environment variables of a Lambda function resource. */
export function environmentOf(fn: CfnResource): Record<string, unknown> {
  return (fn.Properties['Environment'] as { Variables: Record<string, unknown> }).Variables;
}

/** The logical id of the one secret created for `vendorId` (its description names the vendor). */
export function secretIdOf(template: Template, vendorId: string): string {
  const found = resourcesOf(template, 'AWS::SecretsManager::Secret').filter(([, secret]) =>
    String(secret.Properties['Description']).includes(` ${vendorId} `),
  );
  expect(found).toHaveLength(1);
  return found[0]![0];
}

export interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
}

/** A statement's actions, whether it names one or several. */
export function actionsOf(statement: Statement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

/** Every statement of every policy attached to the role of the given function. */
export function statementsOf(template: Template, functionId: string): Statement[] {
  const fn = template.toJSON()['Resources'][functionId] as { Properties: { Role: unknown } };
  const roleId = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  return resourcesOf(template, 'AWS::IAM::Policy')
    .filter(([, policy]) => JSON.stringify(policy.Properties['Roles']).includes(`"${roleId}"`))
    .flatMap(
      ([, policy]) => (policy.Properties['PolicyDocument'] as { Statement: Statement[] }).Statement,
    );
}
