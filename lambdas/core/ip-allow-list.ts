import { BlockList, isIP } from 'node:net';
import { ConfigurationError } from './errors.js';

/** An allow-list of addresses and CIDR ranges, IPv4 and IPv6. */
export class IpAllowList {
  readonly #list = new BlockList();

  constructor(entries: readonly string[]) {
    for (const entry of entries) this.#add(entry);
  }

  allows(address: string): boolean {
    const ip = unmapIpv4(address);
    const family = isIP(ip);
    if (family === 0) return false;
    return this.#list.check(ip, family === 4 ? 'ipv4' : 'ipv6');
  }

  #add(entry: string): void {
    // Strictly `address` or `address/digits`: a stray `/` must never read as `/0` (everyone).
    const match = /^([^/]+?)(?:\/(\d{1,3}))?$/.exec(entry.trim());
    const address = match?.[1] ?? '';
    const prefixText = match?.[2];
    const family = isIP(address);
    const maxPrefix = family === 4 ? 32 : 128;
    const prefix = prefixText === undefined ? maxPrefix : Number(prefixText);
    if (family === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > maxPrefix) {
      throw new ConfigurationError(`allowedIps: "${entry}" is not an IP address or CIDR range`);
    }
    this.#list.addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
  }
}

/** `::ffff:203.0.113.9` (an IPv4 peer on a dual-stack socket) is the IPv4 address. */
function unmapIpv4(address: string): string {
  const match = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return match?.[1] ?? address;
}
