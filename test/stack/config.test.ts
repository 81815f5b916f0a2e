import { describe, expect, it } from 'vitest';
import { RUNTIME_DEFAULTS } from '../../lambdas/runtime/env.js';
import { App } from 'aws-cdk-lib';
import { parseConfig, readStage } from '../../lib/config.js';

const REGISTERED = ['idwise', 'treezor'] as const;

describe('parseConfig', () => {
  it('defaults every key, enabling every registered vendor', () => {
    expect(parseConfig(undefined, REGISTERED)).toEqual({
      vendors: ['idwise', 'treezor'],
      retentionDays: 90,
      includePayload: true,
      secretMaxAgeSeconds: 300,
      archiveRetentionDays: 90,
      logRetentionDays: 30,
      alarmEmail: null,
      alarmTopicArn: null,
      throttle: { default: { rateLimit: 50, burstLimit: 100 }, vendors: {} },
      processorMaxConcurrency: 10,
      ingestReservedConcurrency: null,
      ingestSystemLogLevel: 'WARN',
      kmsKey: false,
      tracing: false,
      customDomain: null,
      keepRefusedBodies: null,
      legacySubjectIndex: false,
    });
  });

  it('keeps the legacy index only when told to, for a stack deployed before the lookup index', () => {
    expect(parseConfig({ legacySubjectIndex: true }, REGISTERED).legacySubjectIndex).toBe(true);
    expect(parseConfig({ legacySubjectIndex: false }, REGISTERED).legacySubjectIndex).toBe(false);
    expect(
      parseConfig({ stages: { old: { legacySubjectIndex: true } } }, REGISTERED, 'old')
        .legacySubjectIndex,
    ).toBe(true);
  });

  it('keeps archived events as long as stored ones unless told otherwise', () => {
    expect(parseConfig({ retentionDays: 30 }, REGISTERED).archiveRetentionDays).toBe(30);
    expect(
      parseConfig({ retentionDays: 30, archiveRetentionDays: 0 }, REGISTERED).archiveRetentionDays,
    ).toBe(0);
  });

  it('reads the options: KMS key, alarm topic, tracing, custom domain, capacity', () => {
    const keyArn = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const certificateArn =
      'arn:aws:acm:eu-west-1:111122223333:certificate/1234abcd-12ab-34cd-56ef-1234567890ab';
    const options = {
      kmsKey: keyArn,
      alarmTopicArn: 'arn:aws:sns:eu-west-1:111122223333:kyc-paging',
      tracing: true,
      customDomain: { domainName: 'webhooks.example.com', certificateArn },
      processorMaxConcurrency: 2,
      ingestReservedConcurrency: 100,
      ingestSystemLogLevel: 'INFO',
    };
    expect(parseConfig(options, REGISTERED)).toMatchObject(options);
    expect(parseConfig({ kmsKey: true }, REGISTERED).kmsKey).toBe(true);
  });

  it("defaults the functions' settings to what a function assumes without its variable", () => {
    expect(parseConfig(undefined, REGISTERED)).toMatchObject(RUNTIME_DEFAULTS);
  });

  it('reads per-vendor throttles on top of the default, a missing limit taken from it', () => {
    const config = parseConfig(
      {
        throttle: {
          default: { rateLimit: 20 },
          treezor: { burstLimit: 300 },
          idwise: { rateLimit: 80, burstLimit: 400 },
        },
      },
      REGISTERED,
    );
    expect(config.throttle).toEqual({
      default: { rateLimit: 20, burstLimit: 100 },
      vendors: {
        idwise: { rateLimit: 80, burstLimit: 400 },
        treezor: { rateLimit: 20, burstLimit: 300 },
      },
    });
  });

  it('keeps the built-in default when only vendors are throttled', () => {
    const config = parseConfig({ throttle: { treezor: { rateLimit: 5 } } }, REGISTERED);
    expect(config.throttle.default).toEqual({ rateLimit: 50, burstLimit: 100 });
    expect(config.throttle.vendors).toEqual({ treezor: { rateLimit: 5, burstLimit: 100 } });
  });

  it('accepts the highest limits the account quota allows', () => {
    const throttle = { default: { rateLimit: 10_000, burstLimit: 5_000 } };
    expect(parseConfig({ throttle }, REGISTERED).throttle.default).toEqual(throttle.default);
  });

  it('keeps registry order whatever order the operator lists vendors in', () => {
    expect(parseConfig({ vendors: ['treezor', 'idwise'] }, REGISTERED).vendors).toEqual([
      'idwise',
      'treezor',
    ]);
  });

  it('accepts the JSON string that `cdk synth -c` passes', () => {
    const config = parseConfig('{"vendors":["treezor"],"includePayload":false}', REGISTERED);
    expect(config.vendors).toEqual(['treezor']);
    expect(config.includePayload).toBe(false);
  });

  it.each([
    [{ vendors: ['acme'] }, /"acme" is not a registered vendor.*idwise, treezor/],
    [{ vendors: [] }, /"vendors": expected a non-empty list/],
    [{ vendors: 'treezor' }, /"vendors": expected a non-empty list/],
    [{ vendors: ['treezor', 'treezor'] }, /lists a vendor twice/],
    [{ retentionDays: 0 }, /"retentionDays": expected an integer from 1 to 36500, got 0/],
    [{ retentionDays: 1.5 }, /"retentionDays": expected an integer/],
    [{ retentionDays: '90' }, /"retentionDays": expected an integer.*got "90"/],
    [{ archiveRetentionDays: -1 }, /"archiveRetentionDays": expected an integer from 0/],
    [{ secretMaxAgeSeconds: 86_400 }, /"secretMaxAgeSeconds": expected an integer from 0 to 3600/],
    [{ logRetentionDays: 31 }, /"logRetentionDays": expected one of 1, 3, 5, 7, 14, 30/],
    [{ includePayload: 'yes' }, /"includePayload": expected true or false/],
    [{ legacySubjectIndex: 'true' }, /"legacySubjectIndex": expected true or false, got "true"/],
    [{ legacySubjectIndex: null }, /"legacySubjectIndex": expected true or false, got null/],
    [{ alarmEmail: 'ops' }, /"alarmEmail": expected an e-mail address or null/],
    [{ throttle: 50 }, /"throttle": expected an object whose keys are "default" or a registered/],
    [{ throttle: [] }, /"throttle": expected an object/],
    [
      { throttle: { acme: { rateLimit: 5 } } },
      /"throttle": has unknown key\(s\) acme; expected "default" or a registered vendor id \(idwise, treezor\)/,
    ],
    [{ throttle: { treezor: 50 } }, /"throttle.treezor": expected an object such as \{"rateLimit"/],
    [{ throttle: { default: null } }, /"throttle.default": expected an object/],
    [
      { throttle: { default: { rate: 5 } } },
      /"throttle.default": has unknown key\(s\) rate; expected only rateLimit, burstLimit/,
    ],
    [
      { throttle: { treezor: { rateLimit: 0 } } },
      /"throttle.treezor.rateLimit": .* from 1 to 10000/,
    ],
    [{ throttle: { treezor: { rateLimit: 10_001 } } }, /"throttle.treezor.rateLimit": .*got 10001/],
    [
      { throttle: { treezor: { rateLimit: 2.5 } } },
      /"throttle.treezor.rateLimit": expected an int/,
    ],
    [
      { throttle: { idwise: { burstLimit: 0 } } },
      /"throttle.idwise.burstLimit": .* from 1 to 5000/,
    ],
    [{ throttle: { idwise: { burstLimit: 5_001 } } }, /"throttle.idwise.burstLimit": .*got 5001/],
    [{ throttle: { idwise: { burstLimit: '100' } } }, /"throttle.idwise.burstLimit": .*got "100"/],
    [{ retentionDay: 90 }, /unknown key\(s\) retentionDay/],
    [
      { processorMaxConcurrency: 1 },
      /"processorMaxConcurrency": expected an integer from 2 to 1000/,
    ],
    [{ processorMaxConcurrency: 1001 }, /"processorMaxConcurrency": .*got 1001/],
    [{ ingestReservedConcurrency: 0 }, /"ingestReservedConcurrency": expected null or an integer/],
    [
      { ingestSystemLogLevel: 'info' },
      /"ingestSystemLogLevel": expected one of DEBUG, INFO, WARN, got "info"/,
    ],
    [{ kmsKey: 'alias/kyc' }, /"kmsKey": expected false, true .* or a KMS key ARN/],
    [{ kmsKey: 1 }, /"kmsKey": expected false, true/],
    [{ alarmTopicArn: 'kyc-alarms' }, /"alarmTopicArn": expected null or a standard SNS topic ARN/],
    [
      { alarmTopicArn: 'arn:aws:sns:eu-west-1:111122223333:kyc.fifo' },
      /"alarmTopicArn": expected null or a standard SNS topic ARN/,
    ],
    [{ tracing: 'yes' }, /"tracing": expected true or false/],
    [{ customDomain: 'webhooks.example.com' }, /"customDomain": expected null or \{"domainName"/],
    [
      { customDomain: { domainName: 'webhooks.example.com' } },
      /"customDomain.certificateArn": expected an ACM certificate ARN, got undefined/,
    ],
    [
      { customDomain: { domainName: 'Webhooks.Example.com', certificateArn: 'x' } },
      /"customDomain.domainName": expected a lower-case domain name/,
    ],
    [
      { customDomain: { domainName: 'a.example.com', certificateArn: 'x', zone: 'z' } },
      /"customDomain": has unknown key\(s\) zone/,
    ],
    [{ stages: [] }, /"stages": expected an object/],
    [{ stages: { Staging: {} } }, /"stages": "Staging" is not a stage name/],
    [{ stages: { staging: 1 } }, /"stages.staging": expected an object of settings/],
    [{ stages: { staging: { stages: {} } } }, /"stages.staging": has unknown key\(s\) stages/],
    [
      { stages: { staging: { retentionDays: 0 } } },
      /^Invalid "kycWebhooks" context: "stages.staging": "retentionDays": expected an integer/,
    ],
    ['not json', /expected a JSON object/],
    [[], /expected an object/],
  ])('rejects %j with a message that says what was expected', (raw, message) => {
    expect(() => parseConfig(raw, REGISTERED)).toThrow(message);
  });

  it('names the context key in every error', () => {
    expect(() => parseConfig({ retentionDays: -1 }, REGISTERED)).toThrow(
      /^Invalid "kycWebhooks" context: /,
    );
  });
});

describe('stages', () => {
  const base = {
    retentionDays: 90,
    alarmEmail: 'ops@example.com',
    throttle: { default: { rateLimit: 20 } },
    stages: { staging: { retentionDays: 7, throttle: { treezor: { burstLimit: 5 } } }, qa: {} },
  };

  it('reads the base block without a stage', () => {
    expect(parseConfig(base, REGISTERED)).toMatchObject({
      retentionDays: 90,
      archiveRetentionDays: 90,
    });
  });

  it('lays a stage’s keys over the base block, each key whole', () => {
    const config = parseConfig(base, REGISTERED, 'staging');
    expect(config).toMatchObject({
      retentionDays: 7,
      // Derived from the stage's own retention.
      archiveRetentionDays: 7,
      alarmEmail: 'ops@example.com',
      // The stage's throttle replaces the base's: the default limits are the built-in ones.
      throttle: {
        default: { rateLimit: 50, burstLimit: 100 },
        vendors: { treezor: { rateLimit: 50, burstLimit: 5 } },
      },
    });
    expect(parseConfig(base, REGISTERED, 'qa')).toEqual(parseConfig(base, REGISTERED));
  });

  it('refuse a stage that is not declared, naming the declared ones', () => {
    expect(() => parseConfig(base, REGISTERED, 'prod')).toThrow(
      /stage "prod" is not declared; add "stages": \{"prod": \{…\}\}.*one of staging, qa/,
    );
    expect(() => parseConfig({}, REGISTERED, 'prod')).toThrow(/stage "prod" is not declared/);
  });

  it('validate every declared stage on every synth, deployed or not', () => {
    const broken = { stages: { staging: {}, qa: { tracing: 'on' } } };
    expect(() => parseConfig(broken, REGISTERED)).toThrow(/"stages.qa": "tracing"/);
    expect(() => parseConfig(broken, REGISTERED, 'staging')).toThrow(/"stages.qa": "tracing"/);
  });

  it('refuse a stage that would claim the base deployment’s custom domain', () => {
    const customDomain = {
      domainName: 'webhooks.example.com',
      certificateArn:
        'arn:aws:acm:eu-west-1:111122223333:certificate/1234abcd-12ab-34cd-56ef-1234567890ab',
    };
    expect(() => parseConfig({ customDomain, stages: { staging: {} } }, REGISTERED)).toThrow(
      /"stages.staging": "customDomain": webhooks.example.com is the base deployment's/,
    );
    const own = { ...customDomain, domainName: 'staging.webhooks.example.com' };
    expect(
      parseConfig(
        { customDomain, stages: { staging: { customDomain: own } } },
        REGISTERED,
        'staging',
      ).customDomain,
    ).toEqual(own);
    expect(
      parseConfig(
        { customDomain, stages: { staging: { customDomain: null } } },
        REGISTERED,
        'staging',
      ).customDomain,
    ).toBeNull();
  });

  it.each([['Staging'], ['a'.repeat(21)], ['1st'], ['']])('refuse the stage name %j', (name) => {
    expect(() => parseConfig(base, REGISTERED, name)).toThrow(/expected a stage name/);
    expect(() => readStage(new App({ context: { stage: name } }))).toThrow(
      /Invalid "stage" context: expected a stage name/,
    );
  });

  it('read the stage from the `stage` context, none when it is absent', () => {
    expect(readStage(new App({ context: { stage: 'staging' } }))).toBe('staging');
    expect(readStage(new App())).toBeUndefined();
  });
});
