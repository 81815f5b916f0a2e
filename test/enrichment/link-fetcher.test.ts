import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpsLinkFetcher, isBlockedAddress } from '../../lambdas/adapters/https-link-fetcher.js';
import { LinkRefusedError } from '../../lambdas/enrichment/ports.js';

/**
 * A loopback server: `/ok` answers 10 bytes, `/big` 64, `/moved` redirects, `/busy` 503, `/hang`
 * nothing, `/stall` half a body, anything else 403.
 */
let server: Server;
let origin: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (path === '/ok')
      response.writeHead(200, { 'content-type': 'application/pdf' }).end('0123456789');
    else if (path === '/big') response.writeHead(200).end('x'.repeat(64));
    else if (path === '/moved') response.writeHead(302, { location: 'file:///etc/passwd' }).end();
    else if (path === '/busy') response.writeHead(503).end();
    else if (path === '/stall') response.writeHead(200).write('01234');
    else if (path !== '/hang') response.writeHead(403).end();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((done) => server.close(done));
});

/** As deployed: no exemption. */
const deployed = new HttpsLinkFetcher({ maxBytes: 32, timeoutMs: 10_000 });
/** As in local mode: the test server's origin exempt. */
const local = (): HttpsLinkFetcher =>
  new HttpsLinkFetcher({ maxBytes: 32, timeoutMs: 10_000, allowOrigin: origin });

describe('the link fetcher as deployed (SSRF rules)', () => {
  it.each([
    ['plain HTTP', () => `${origin}/ok`, 'not an HTTPS link'],
    ['an IPv4 literal', () => 'https://127.0.0.1/ok', 'an IP-literal host'],
    [
      'the metadata address',
      () => 'https://169.254.169.254/latest/meta-data/',
      'an IP-literal host',
    ],
    ['an IPv6 literal', () => 'https://[::1]/ok', 'an IP-literal host'],
    ['another scheme', () => 'file:///etc/passwd', 'not an HTTPS link'],
    ['not a URL', () => 'report.pdf', 'not a URL'],
  ])('refuses %s', async (_name, link, reason) => {
    await expect(deployed.fetch(link())).rejects.toThrow(new LinkRefusedError(reason));
  });

  it('refuses a host name that resolves to a loopback address, and says so by host only', async () => {
    const port = (server.address() as AddressInfo).port;
    const error: unknown = await deployed
      .fetch(`https://localhost:${port}/ok?X-Amz-Signature=secret`)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LinkRefusedError);
    expect((error as Error).message).toBe('localhost resolves to a non-public address');
  });

  it.each([
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '100.64.0.1',
    '127.0.0.1',
    '169.254.169.254',
    '0.0.0.0',
    '224.0.0.1',
    '::1',
    '::',
    'fd00::1',
    'fe80::1',
    '::ffff:127.0.0.1',
    'not-an-address',
  ])('blocks %s', (address) => {
    expect(isBlockedAddress(address)).toBe(true);
  });

  it.each(['93.184.215.14', '52.95.110.1', '2606:4700::6810:84e5'])(
    'lets %s through',
    (address) => {
      expect(isBlockedAddress(address)).toBe(false);
    },
  );
});

describe('the link fetcher in local mode (the exempt origin), for the rules the exemption keeps', () => {
  it('returns the bytes and their type', async () => {
    const fetched = await local().fetch(`${origin}/ok?X-Amz-Signature=abc`);
    expect(Buffer.from(fetched.body).toString()).toBe('0123456789');
    expect(fetched.contentType).toBe('application/pdf');
  });

  it('does not follow a redirect', async () => {
    await expect(local().fetch(`${origin}/moved`)).rejects.toThrow(LinkRefusedError);
  });

  it('refuses more than the size cap', async () => {
    await expect(local().fetch(`${origin}/big`)).rejects.toThrow(
      new LinkRefusedError('127.0.0.1: more than 32 bytes'),
    );
  });

  it('takes a refusal (an expired link) for good, a server error for a retry', async () => {
    await expect(local().fetch(`${origin}/gone`)).rejects.toThrow(LinkRefusedError);
    const busy: unknown = await local()
      .fetch(`${origin}/busy`)
      .catch((e: unknown) => e);
    expect(busy).toBeInstanceOf(Error);
    expect(busy).not.toBeInstanceOf(LinkRefusedError);
  });

  it('gives up on a link that never answers, for a retry', async () => {
    const quick = new HttpsLinkFetcher({ maxBytes: 32, timeoutMs: 200, allowOrigin: origin });
    const error: unknown = await quick.fetch(`${origin}/hang`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(LinkRefusedError);
    expect((error as Error).message).toBe('127.0.0.1: timed out');
  });

  it('gives up on a link whose body stops coming, for a retry', async () => {
    const quick = new HttpsLinkFetcher({ maxBytes: 32, timeoutMs: 200, allowOrigin: origin });
    const error: unknown = await quick.fetch(`${origin}/stall`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(LinkRefusedError);
  });

  it('exempts only that origin: another loopback port is refused', async () => {
    const other = new HttpsLinkFetcher({
      maxBytes: 32,
      timeoutMs: 10_000,
      allowOrigin: 'http://127.0.0.1:1',
    });
    await expect(other.fetch(`${origin}/ok`)).rejects.toThrow(LinkRefusedError);
  });
});
