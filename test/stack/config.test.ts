import { describe, expect, it } from 'vitest';
import { RUNTIME_DEFAULTS } from '../../lambdas/runtime/env.js';
import { parseConfig } from '../../lib/config.js';

const REGISTERED = ['idwise', 'treezor'] as const;

describe('parseConfig', () => {
  it('defaults every key, enabling every registered vendor', () => {
    expect(parseConfig(undefined, REGISTERED)).toEqual({
      vendors: ['idwise', 'treezor'],
      retentionDays: 90,
      includePayload: true,
      secretMaxAgeSeconds: 300,
      archiveRetentionDays: 365,
      logRetentionDays: 30,
      alarmEmail: null,
      throttle: { default: { rateLimit: 50, burstLimit: 100 }, vendors: {} },
    });
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
