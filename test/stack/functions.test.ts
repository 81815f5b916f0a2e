import { describe, expect, it } from 'vitest';
import { ENV } from '../../lambdas/runtime/env.js';
import { VENDORS } from '../../lambdas/vendors/registry.js';
import { environmentOf, resourcesOf, synthStack } from './synth-stack.js';

const template = synthStack();
const functions = resourcesOf(template, 'AWS::Lambda::Function');

describe.each(functions)('function %s', (_id, fn) => {
  const env = environmentOf(fn);

  it('runs Node.js 24 on arm64 from a bundled ESM handler', () => {
    expect(fn.Properties['Runtime']).toBe('nodejs24.x');
    expect(fn.Properties['Architectures']).toEqual(['arm64']);
    expect(fn.Properties['Handler']).toBe('index.handler');
  });

  it('logs JSON to its own log group with a retention', () => {
    const config = fn.Properties['LoggingConfig'] as {
      LogFormat: string;
      LogGroup: { Ref: string };
    };
    expect(config.LogFormat).toBe('JSON');
    const [, group] = resourcesOf(template, 'AWS::Logs::LogGroup').find(
      ([id]) => id === config.LogGroup.Ref,
    )!;
    expect(group.Properties['RetentionInDays']).toBe(30);
  });

  it('carries the shared Powertools and source-map settings', () => {
    expect(env).toMatchObject({
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_LOG_LEVEL: 'INFO',
    });
    // Only a function that writes EMF needs the namespace: an ingest function's delivery lines
    // are counted by metric filters.
    if (typeof env[ENV.vendor] === 'string') {
      expect(env).not.toHaveProperty('POWERTOOLS_METRICS_NAMESPACE');
    } else {
      expect(env['POWERTOOLS_METRICS_NAMESPACE']).toBe('KycWebhooks');
    }
    expect(env['POWERTOOLS_SERVICE_NAME']).toMatch(
      /^kyc-(ingest-[a-z0-9-]+|token-ondato|processor|enrichment|reconcile)$/,
    );
  });
});

describe('functions', () => {
  it('are one per vendor, the processor, enrichment, reconciliation and Ondato’s token endpoint, each with a distinct service name', () => {
    expect(functions).toHaveLength(VENDORS.length + 4);
    const names = functions.map(([, fn]) => environmentOf(fn)['POWERTOOLS_SERVICE_NAME']);
    expect(new Set(names).size).toBe(functions.length);
  });

  it('use explicit log groups, not the deprecated log-retention custom resource', () => {
    expect(template.findResources('Custom::LogRetention')).toEqual({});
  });

  it('take their log retention from config', () => {
    const groups = resourcesOf(synthStack({ logRetentionDays: 7 }), 'AWS::Logs::LogGroup');
    expect(groups.map(([, group]) => group.Properties['RetentionInDays'])).toEqual(
      groups.map(() => 7),
    );
  });
});
