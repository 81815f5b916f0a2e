import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { ENV } from '../lambdas/runtime/env.js';
import { VENDORS } from '../lambdas/vendors/registry.js';
import { readConfig } from '../lib/config.js';
import { KycWebhooksStack } from '../lib/kyc-webhooks-stack.js';
import { stackNameFor } from '../lib/outputs.js';

/**
 * What one default deployment is made of, read from the stack itself rather than assumed: the
 * default stack synthesized with cdk.json's configuration (bundling skipped), its alarms counted
 * by the metrics each reads (CloudWatch bills a math alarm per metric in it), its dashboards and
 * secrets, and the retention settings the cost model prices.
 */

export interface Deployment {
  readonly vendors: number;
  /** Alarm metrics: one per plain alarm, one per metric a math alarm reads. */
  readonly alarmMetrics: number;
  readonly alarms: number;
  readonly dashboards: number;
  readonly secrets: number;
  readonly retentionDays: number;
  /** 0: kept forever. */
  readonly archiveRetentionDays: number;
  readonly logRetentionDays: number;
  /** Lambda's system log level on the ingest functions and on the processor, as deployed. */
  readonly systemLogLevels: { readonly ingest: string; readonly processor: string };
}

interface CdkJson {
  readonly context: Record<string, unknown>;
}

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

export function describeDeployment(): Deployment {
  // The template validator costs seconds and checks nothing counted here.
  process.env['CDK_VALIDATION'] = 'false';
  const cdkJson = JSON.parse(
    readFileSync(new URL('../cdk.json', import.meta.url), 'utf8'),
  ) as CdkJson;
  const app = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
  const stack = new KycWebhooksStack(app, stackNameFor(undefined), {
    env: { account: '123456789012', region: 'us-east-1' },
  });
  const template = app.synth().getStackByName(stack.stackName).template as {
    Resources: Resources;
  };
  const ofType = (type: string) =>
    Object.values(template.Resources).filter((resource) => resource.Type === type);
  const alarms = ofType('AWS::CloudWatch::Alarm');
  const alarmMetrics = alarms.reduce((sum, alarm) => {
    const metrics = alarm.Properties?.['Metrics'];
    if (!Array.isArray(metrics)) return sum + 1;
    return sum + metrics.filter((m: { MetricStat?: unknown }) => m.MetricStat !== undefined).length;
  }, 0);
  const functions = ofType('AWS::Lambda::Function');
  const config = readConfig(
    stack,
    VENDORS.map((vendor) => vendor.id),
  );
  return {
    vendors: config.vendors.length,
    alarmMetrics,
    alarms: alarms.length,
    dashboards: ofType('AWS::CloudWatch::Dashboard').length,
    secrets: ofType('AWS::SecretsManager::Secret').length,
    retentionDays: config.retentionDays,
    archiveRetentionDays: config.archiveRetentionDays,
    logRetentionDays: config.logRetentionDays,
    systemLogLevels: {
      ingest: systemLogLevelOf(functions, (variables) => ENV.vendor in variables),
      processor: systemLogLevelOf(functions, (variables) => ENV.maxReceiveCount in variables),
    },
  };
}

/**
 * The system log level of the functions `is` picks out by their environment, which must agree:
 * Lambda's default (`INFO`) where the template sets none.
 */
function systemLogLevelOf(
  functions: Resources[string][],
  is: (variables: Record<string, unknown>) => boolean,
): string {
  const levels = new Set(
    functions
      .filter((fn) => is(environmentOf(fn)))
      .map((fn) => {
        const logging = fn.Properties?.['LoggingConfig'] as { SystemLogLevel?: string } | undefined;
        return logging?.SystemLogLevel ?? 'INFO';
      }),
  );
  if (levels.size !== 1) {
    throw new Error(`expected one system log level, found ${[...levels].join(', ') || 'none'}`);
  }
  return [...levels][0]!;
}

function environmentOf(fn: Resources[string]): Record<string, unknown> {
  const environment = fn.Properties?.['Environment'] as
    { Variables?: Record<string, unknown> } | undefined;
  return environment?.Variables ?? {};
}
