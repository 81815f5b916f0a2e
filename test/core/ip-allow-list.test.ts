import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../lambdas/core/errors.js';
import { IpAllowList } from '../../lambdas/core/ip-allow-list.js';

describe('IpAllowList', () => {
  const list = new IpAllowList([
    '20.31.10.47',
    '203.0.113.0/24',
    '2001:db8::/32',
    '2001:db8:ffff::1/128',
    ' 198.51.100.7 ',
  ]);

  it.each<[string, boolean]>([
    // IPv4, single addresses and ranges
    ['20.31.10.47', true],
    ['20.31.10.48', false],
    ['203.0.113.0', true],
    ['203.0.113.255', true],
    ['203.0.112.255', false],
    ['203.0.114.0', false],
    ['198.51.100.7', true],
    // IPv6, any spelling of the same address
    ['2001:db8::1', true],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', true],
    ['2001:DB8::ABCD', true],
    ['2001:db8:ffff:ffff:ffff:ffff:ffff:ffff', true],
    ['2001:db9::1', false],
    ['::1', false],
    // IPv4 peers seen through a dual-stack socket
    ['::ffff:203.0.113.9', true],
    ['::FFFF:203.0.113.9', true],
    ['::ffff:cb00:7109', true],
    ['::ffff:192.0.2.1', false],
    // garbage never passes
    ['', false],
    ['not an ip', false],
    ['203.0.113', false],
    ['203.0.113.9.1', false],
    ['203.0.113.256', false],
    ['203.0.113.9:443', false],
    ['203.0.113.9/32', false],
    [' 203.0.113.9', false],
    ['fe80::1%eth0', false],
    ['2001:db8::g', false],
  ])('allows(%j) is %s', (address, allowed) => {
    expect(list.allows(address)).toBe(allowed);
  });

  it('allows nothing when it is empty', () => {
    const empty = new IpAllowList([]);
    for (const address of ['203.0.113.9', '::1', '0.0.0.0']) {
      expect(empty.allows(address)).toBe(false);
    }
  });

  it.each<[string, string, boolean]>([
    ['0.0.0.0/0', '198.51.100.1', true],
    ['0.0.0.0/0', '2001:db8::1', false],
    ['::/0', '2001:db8::1', true],
    ['10.0.0.0/8', '10.255.255.255', true],
    ['10.0.0.0/8', '11.0.0.0', false],
    ['10.1.2.3/8', '10.200.0.1', true],
    ['203.0.113.9/32', '203.0.113.9', true],
    ['203.0.113.9/32', '203.0.113.10', false],
    ['::ffff:203.0.113.0/120', '203.0.113.77', true],
    ['2001:db8::/127', '2001:db8::1', true],
    ['2001:db8::/127', '2001:db8::2', false],
  ])('the entry %s allows %s: %s', (entry, address, allowed) => {
    expect(new IpAllowList([entry]).allows(address)).toBe(allowed);
  });

  it.each([
    '',
    'not an ip',
    'example.com',
    '203.0.113',
    '203.0.113.256',
    '203.0.113.0/33',
    '203.0.113.0/-1',
    '203.0.113.0/8.5',
    '203.0.113.0/abc',
    '2001:db8::/129',
    '2001:db8::g/64',
    '/24',
  ])('refuses the entry %j with a ConfigurationError naming it', (entry) => {
    expect(() => new IpAllowList(['203.0.113.1', entry])).toThrow(ConfigurationError);
    expect(() => new IpAllowList([entry])).toThrow(`"${entry}"`);
    expect(() => new IpAllowList([entry])).toThrow(/allowedIps/);
  });
});

describe('IpAllowList refuses malformed ranges rather than widening them', () => {
  it.each(['10.0.0.1/', '::/', '10.0.0.0/8/9', '10.0.0.0/0x8', '10.0.0.0/1e1', '10.0.0.0/ 8'])(
    'refuses %j',
    (entry) => {
      expect(() => new IpAllowList([entry])).toThrow(ConfigurationError);
    },
  );
});
