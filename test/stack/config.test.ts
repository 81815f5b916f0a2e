import { describe, expect, it } from 'vitest';
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
    });
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
