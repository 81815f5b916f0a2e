import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { isLinkArchive } from '../lambdas/core/vendor-api.js';
import type { Vendor } from '../lambdas/core/vendor.js';
import { MAX_REQUEST_BYTES, readBody } from './http-server.js';
import { closeServer, listenOnLoopback, loopbackUrl } from './servers.js';

/**
 * Stand-ins of the vendors' APIs for local mode and the tests: one loopback HTTP server, each
 * vendor under `/<vendor id>`, answering every request of a credentialed caller with the bytes of
 * one of the vendor's API fixtures (`test/fixtures/<vendor>/api/*.json`, built from the vendor's
 * documented examples). Which fixture, and faults (an error status, or no answer for a while),
 * can be set per vendor or per subject, so tests can reach every path offline. A vendor whose
 * deliveries carry links instead (`LinkArchive`) has its fixture files served by name, byte for
 * byte: a test points a delivery's link at them.
 */

export type StandInFault = { readonly status: number } | { readonly hangMs: number };

/** Decides, request by request, whether and how a vendor's stand-in fails (the soak's faults). */
export type StandInFaults = (vendorId: string, path: string) => StandInFault | undefined;

export interface VendorApiStandIn {
  /** `http://127.0.0.1:<port>`: the one origin local mode's link fetcher may reach. */
  readonly origin: string;
  /** The base URL to give a vendor's API client instead of the vendor's own. */
  baseUrlFor(vendorId: string): string | undefined;
  /** Answers requests naming `subjectId` (any subject, without it) with the fixture `name`. */
  answerWith(vendorId: string, name: string, subjectId?: string): void;
  /** Makes every request for the vendor fail this way, until called with `undefined`. */
  setFault(vendorId: string, fault: StandInFault | undefined): void;
  /** Asks `decide` about every request, after any fault `setFault` set; `undefined` stops. */
  setFaults(decide: StandInFaults | undefined): void;
  /** Requests answered so far, by vendor, with their path (never their headers or query). */
  readonly requests: readonly { readonly vendor: string; readonly path: string }[];
  close(): Promise<void>;
}

export async function startVendorApiStandIn(
  vendors: readonly Vendor[],
  fixturesDir: string,
  port = 0,
): Promise<VendorApiStandIn> {
  const fixtures = new Map<string, Map<string, Buffer>>();
  // A link-archiving vendor's files (its reports), by file name: served as they are, to anyone
  // (a pre-signed link needs no credential beyond itself), under `/<vendor id>/<file name>`.
  const files = new Map<string, Map<string, Buffer>>();
  for (const vendor of vendors) {
    if (!vendor.api) continue;
    const dir = join(fixturesDir, vendor.id, 'api');
    if (isLinkArchive(vendor.api)) {
      const names = readdirSync(dir).filter((file) => file !== 'README.md');
      files.set(vendor.id, new Map(names.map((name) => [name, readFileSync(join(dir, name))])));
      continue;
    }
    const names = readdirSync(dir).filter((file) => file.endsWith('.json'));
    // By name, so an answer named plainly (`verification-status`) comes before
    // its variants (`…-rejected`): the first is what a subject gets unless told otherwise.
    const byName = names.map((file) => file.slice(0, -'.json'.length)).sort();
    fixtures.set(
      vendor.id,
      new Map(byName.map((name) => [name, readFileSync(join(dir, `${name}.json`))])),
    );
  }
  const chosen = new Map<string, string>();
  const faults = new Map<string, StandInFault>();
  let decide: StandInFaults | undefined;
  const requests: { vendor: string; path: string }[] = [];

  const answer = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const [, vendorId = '', ...rest] = (request.url ?? '/').split('/');
    const path = `/${rest.join('/')}`;
    const file = files.get(vendorId)?.get(decodeURIComponent(path.slice(1).split('?')[0] ?? ''));
    if (files.has(vendorId)) {
      requests.push({ vendor: vendorId, path: path.split('?')[0] ?? '' });
      if (!file) return end(response, 404);
      response.writeHead(200, { 'content-type': contentTypeOf(path) }).end(file);
      return;
    }
    const byName = fixtures.get(vendorId);
    if (!byName) return end(response, 404);
    // Every vendor API takes credentials, in a header (IDWise) or in the body (bronID); a stand-in
    // that took a request with neither would hide a client sending none.
    const sent = await readBody(request, MAX_REQUEST_BYTES);
    if (sent === undefined) return end(response, 413);
    if (!request.headers.authorization && sent.length === 0) return end(response, 401);
    requests.push({ vendor: vendorId, path });
    const fault = faults.get(vendorId) ?? decide?.(vendorId, path);
    if (fault && 'hangMs' in fault) await new Promise((done) => setTimeout(done, fault.hangMs));
    if (fault && 'status' in fault) return end(response, fault.status);
    const subject = decodeURIComponent(rest.at(-1) ?? '');
    const name =
      chosen.get(`${vendorId}/${subject}`) ?? chosen.get(vendorId) ?? [...byName.keys()][0];
    const body = name === undefined ? undefined : byName.get(name);
    if (!body) return end(response, 404);
    response.writeHead(200, { 'content-type': 'application/json' }).end(body);
  };

  const server = createServer((request, response) => {
    answer(request, response).catch(() => end(response, 500));
  });
  const boundPort = await listenOnLoopback(server, port, 'vendor API stand-in');
  const base = loopbackUrl(boundPort);
  return {
    origin: new URL(base).origin,
    baseUrlFor: (vendorId) =>
      fixtures.has(vendorId) || files.has(vendorId) ? `${base}/${vendorId}` : undefined,
    answerWith(vendorId, name, subjectId) {
      if (!fixtures.get(vendorId)?.has(name)) {
        throw new Error(`no API fixture "${name}" for ${vendorId}`);
      }
      chosen.set(subjectId === undefined ? vendorId : `${vendorId}/${subjectId}`, name);
    },
    setFault(vendorId, fault) {
      if (fault === undefined) faults.delete(vendorId);
      else faults.set(vendorId, fault);
    },
    setFaults(decider) {
      decide = decider;
    },
    requests,
    close: () => closeServer(server, true),
  };
}

function contentTypeOf(path: string): string {
  const name = path.split('?')[0] ?? '';
  if (name.endsWith('.pdf')) return 'application/pdf';
  if (name.endsWith('.json')) return 'application/json';
  return 'application/octet-stream';
}

function end(response: ServerResponse, status: number): void {
  if (!response.headersSent) response.writeHead(status).end();
}
