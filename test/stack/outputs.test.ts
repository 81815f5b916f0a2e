import { describe, expect, it } from 'vitest';
import { ENV } from '../../lambdas/runtime/env.js';
import { decodeSettings, OUTPUTS, secretOutputName } from '../../lib/outputs.js';
import { environmentOf, resourcesOf, synthStack } from './synth-stack.js';

describe('stack outputs operators rely on (README: Deploy, Operating it)', () => {
  const outputs = synthStack().findOutputs('*');

  it.each([
    'ApiUrl',
    'TableName',
    'EventBusName',
    'EventBusArn',
    'DeadLetterQueueUrl',
    'DeadLetterQueueArn',
    'TreezorSecretArn',
    'IdwiseSecretArn',
    'Settings',
    'ProcessorLogGroup',
    'IngestLogGroups',
  ])('%s', (name) => {
    expect(Object.keys(outputs)).toContain(name);
  });

  it('gives the DLQ ARN a redrive can start from', () => {
    expect(JSON.stringify(outputs['DeadLetterQueueArn']?.['Value'])).toMatch(/DeadLetter.*Arn/);
  });

  it('names a secret output after any vendor id as the CLI looks it up', () => {
    expect(secretOutputName('ondato')).toBe('OndatoSecretArn');
    expect(secretOutputName('my-vendor')).toBe('MyVendorSecretArn');
  });
});

describe('Settings output: what the deployed stack does, for the CLI', () => {
  function settingsOf(overrides: Readonly<Record<string, unknown>>): unknown {
    const value: unknown = synthStack(overrides).findOutputs(OUTPUTS.settings)[OUTPUTS.settings]?.[
      'Value'
    ];
    expect(typeof value).toBe('string');
    return JSON.parse(value as string);
  }

  it('carries the configured values, not the defaults', () => {
    const settings = settingsOf({
      includePayload: false,
      retentionDays: 30,
      secretMaxAgeSeconds: 60,
    });
    expect(settings).toEqual({
      retentionDays: 30,
      includePayload: false,
      secretMaxAgeSeconds: 60,
      legacySubjectIndex: false,
    });
    expect(decodeSettings(JSON.stringify(settings)).includePayload).toBe(false);
  });

  it('says whether the table has the legacy index, and reads back so', () => {
    for (const legacySubjectIndex of [true, false]) {
      const settings = settingsOf({ legacySubjectIndex });
      expect(settings).toMatchObject({ legacySubjectIndex });
      expect(decodeSettings(JSON.stringify(settings)).legacySubjectIndex).toBe(legacySubjectIndex);
    }
  });

  it('says what the functions are set to', () => {
    const overrides = { includePayload: false, retentionDays: 30, secretMaxAgeSeconds: 60 };
    const template = synthStack(overrides);
    const settings = decodeSettings(
      template.findOutputs(OUTPUTS.settings)[OUTPUTS.settings]?.['Value'] as string,
    );
    const variables = resourcesOf(template, 'AWS::Lambda::Function').map(([, fn]) =>
      environmentOf(fn),
    );
    const set = (name: string): unknown[] => variables.filter((v) => name in v).map((v) => v[name]);
    expect(set(ENV.includePayload)).toEqual([String(settings.includePayload)]);
    // The processor, and the vendor API worker and sweep (archived results expire with events).
    expect(new Set(set(ENV.retentionDays))).toEqual(new Set([String(settings.retentionDays)]));
    // Every ingest function and the token function.
    expect(new Set(set(ENV.secretMaxAgeSeconds))).toEqual(
      new Set([String(settings.secretMaxAgeSeconds)]),
    );
  });

  it('carries only those settings: nothing else from the configuration', () => {
    const settings = settingsOf({ alarmEmail: 'oncall@example.com' });
    expect(Object.keys(settings as object).sort()).toEqual([
      'includePayload',
      'legacySubjectIndex',
      'retentionDays',
      'secretMaxAgeSeconds',
    ]);
  });
});

describe('decodeSettings', () => {
  it.each([
    ['not json', /is not JSON/],
    ['[]', /is not a JSON object/],
    ['{"retentionDays": 90, "secretMaxAgeSeconds": 300}', /has no boolean "includePayload"/],
    [
      '{"retentionDays": 90, "secretMaxAgeSeconds": 300, "includePayload": "false"}',
      /has no boolean "includePayload"/,
    ],
    [
      '{"retentionDays": 90, "secretMaxAgeSeconds": 300, "includePayload": true, "legacySubjectIndex": 1}',
      /has no boolean "legacySubjectIndex"/,
    ],
  ])('refuses %s', (text, problem) => {
    expect(() => decodeSettings(text)).toThrow(problem);
  });

  it('ignores settings a newer stack adds', () => {
    const text =
      '{"retentionDays": 7, "includePayload": false, "secretMaxAgeSeconds": 0, ' +
      '"legacySubjectIndex": false, "later": 1}';
    expect(decodeSettings(text)).toEqual({
      retentionDays: 7,
      includePayload: false,
      secretMaxAgeSeconds: 0,
      legacySubjectIndex: false,
    });
  });

  it('reads a stack from before the legacy index setting as having the index, as it does', () => {
    const text = '{"retentionDays": 7, "includePayload": false, "secretMaxAgeSeconds": 0}';
    expect(decodeSettings(text).legacySubjectIndex).toBe(true);
  });
});
