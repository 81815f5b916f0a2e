import { lookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { LinkRefusedError, type FetchedLink, type LinkFetcher } from '../enrichment/ports.js';

/**
 * Addresses a link may never reach: a vendor credential holder could put any URL in a delivery, so
 * nothing inside a network (private, shared, loopback, link-local, which holds the instance
 * metadata service) or not unicast is fetched. An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) is
 * checked against the IPv4 rules by `BlockList` itself.
 */
const BLOCKED = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const) {
  BLOCKED.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 127],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  BLOCKED.addSubnet(net, prefix, 'ipv6');
}

export interface LinkFetcherOptions {
  /** The most bytes one link may hold; a longer answer is cut off and refused. */
  readonly maxBytes: number;
  readonly timeoutMs: number;
  /**
   * Local mode and tests only: one origin (`http://127.0.0.1:<port>`, the vendor stand-in)
   * exempt from the rules above. The deployed worker never sets it.
   */
  readonly allowOrigin?: string;
}

export function isBlockedAddress(address: string): boolean {
  const family = isIP(address);
  return family === 0 || BLOCKED.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * `LinkFetcher` over Node's `https`: HTTPS only, a host name (no IP literal) whose every resolved
 * address is public, checked in the connection's own lookup (so a second resolution cannot swap
 * in another address), redirects refused (a pre-signed link answers itself), `maxBytes` and
 * `timeoutMs` enforced while reading.
 */
export class HttpsLinkFetcher implements LinkFetcher {
  constructor(private readonly options: LinkFetcherOptions) {}

  async fetch(link: string): Promise<FetchedLink> {
    const url = parse(link);
    const allowed =
      this.options.allowOrigin !== undefined && url.origin === this.options.allowOrigin;
    if (!allowed) {
      if (url.protocol !== 'https:') throw new LinkRefusedError('not an HTTPS link');
      if (isIP(url.hostname.replace(/^\[|\]$/g, '')) !== 0) {
        throw new LinkRefusedError('an IP-literal host');
      }
    }
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    // One deadline for the whole link, from connecting to its last byte.
    const timedOut = new Error(`${url.hostname}: timed out`);
    const request = send(url, { method: 'GET', ...(!allowed && { lookup: publicLookup }) });
    const deadline = setTimeout(() => request.destroy(timedOut), this.options.timeoutMs);
    try {
      const response = await new Promise<IncomingMessage>((resolve, reject) => {
        request.on('response', resolve);
        request.on('error', reject);
        request.end();
      });
      const status = response.statusCode ?? 0;
      if (status < 200 || status > 299) {
        response.resume();
        const answered = `${url.hostname} answered ${status}`;
        // A server error or throttling may pass; a redirect or a refusal (an expired link) won't.
        if (status >= 500 || status === 429) throw new Error(answered);
        throw new LinkRefusedError(status < 400 ? `${answered} (not followed)` : answered);
      }
      const chunks: Buffer[] = [];
      let bytes = 0;
      for await (const chunk of response) {
        bytes += (chunk as Buffer).length;
        if (bytes > this.options.maxBytes) {
          request.destroy();
          throw new LinkRefusedError(`${url.hostname}: more than ${this.options.maxBytes} bytes`);
        }
        chunks.push(chunk as Buffer);
      }
      return { body: Buffer.concat(chunks), contentType: contentTypeOf(response) };
    } finally {
      clearTimeout(deadline);
    }
  }
}

function contentTypeOf(response: IncomingMessage): string {
  const type = response.headers['content-type'];
  return typeof type === 'string' ? type : 'application/octet-stream';
}

function parse(link: string): URL {
  try {
    return new URL(link);
  } catch {
    throw new LinkRefusedError('not a URL');
  }
}

/** `dns.lookup` that fails unless every address the name resolves to is public. */
const publicLookup: LookupFunction = (hostname, options, callback) => {
  lookup(hostname, { all: true, verbatim: true }).then(
    (addresses) => {
      if (addresses.length === 0 || addresses.some(({ address }) => isBlockedAddress(address))) {
        callback(new LinkRefusedError(`${hostname} resolves to a non-public address`), '', 0);
        return;
      }
      if (options.all) {
        (callback as unknown as (e: null, a: typeof addresses) => void)(null, addresses);
        return;
      }
      const [first] = addresses;
      callback(null, first?.address ?? '', first?.family ?? 4);
    },
    (error: NodeJS.ErrnoException) =>
      callback(
        error.code === 'ENOTFOUND' ? new LinkRefusedError(`${hostname} does not resolve`) : error,
        '',
        0,
      ),
  );
};
