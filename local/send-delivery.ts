import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseBaseCredentials } from '../lambdas/core/credentials.js';
import { ConfigurationError } from '../lambdas/core/errors.js';
import type { SignedDelivery } from '../lambdas/core/vendor.js';
import { findVendor, VENDORS } from '../lambdas/vendors/registry.js';
import { FileSecretSource } from './file-secret-source.js';
import { DEFAULT_PATHS, DEFAULT_PORTS } from './project-paths.js';

/**
 * Sends one webhook body to the local pipeline the way its vendor would: signed (or carrying
 * the vendor's credential headers) with the vendor's first credential from the local secrets
 * file, so it passes the same verification as a real delivery.
 */

export interface SendOptions {
  readonly vendor: string;
  /** A fixture name under `test/fixtures/<vendor>/`, or a path to a body file. */
  readonly fixture: string;
  /** The full URL to POST to (default `http://localhost:<port><route>`). */
  readonly url?: string;
  /** The route to sign for (default: the one the fixture's `.expected.json` names, else the vendor's first). */
  readonly route?: string;
  /** Used when `url` is not given (default 3000). */
  readonly port?: number;
  readonly secretsFile?: string;
  readonly fixturesDir?: string;
}

export interface SendResult {
  readonly url: string;
  readonly status: number;
  readonly body: string;
}

/** A mistake the user can fix; its message says how. */
export class SendError extends Error {
  override readonly name = 'SendError';
}

export async function sendDelivery(options: SendOptions): Promise<SendResult> {
  const vendor = findVendor(options.vendor);
  if (!vendor) {
    throw new SendError(
      `Unknown vendor "${options.vendor}". Vendors: ${VENDORS.map((v) => v.id).join(', ')}`,
    );
  }
  const fixturesDir = options.fixturesDir ?? DEFAULT_PATHS.fixtures;
  const file = resolveBodyFile(vendor.id, options.fixture, fixturesDir);
  const body = readFileSync(file, 'utf8');
  const route = options.route ?? expectedRoute(file, vendor.routes) ?? vendor.routes[0];
  if (route === undefined) throw new SendError(`Vendor "${vendor.id}" declares no route`);

  const secretsFile = options.secretsFile ?? DEFAULT_PATHS.secretsFile;
  let signed: SignedDelivery;
  try {
    const secret = await new FileSecretSource(secretsFile).get(vendor.id);
    const base = parseBaseCredentials(secret, vendor.id);
    const credentials = vendor.parseCredentials(secret as Record<string, unknown>, base);
    signed = vendor.sign(body, route, credentials);
  } catch (error) {
    if (error instanceof ConfigurationError) throw new SendError(error.message);
    if (error instanceof TypeError) {
      throw new SendError(`${file} cannot be signed for ${vendor.id}: ${error.message}`);
    }
    throw error;
  }

  const url = options.url ?? `http://localhost:${options.port ?? DEFAULT_PORTS.webhooks}${route}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signed.headers },
      body: signed.body,
    });
  } catch (error) {
    const code = (error as { cause?: { code?: string } }).cause?.code;
    throw new SendError(
      code === 'ECONNREFUSED'
        ? `Nothing is listening at ${url}. Start the local pipeline with npm start ` +
            '(or pass --url to send elsewhere).'
        : `Could not send to ${url}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return { url, status: response.status, body: await response.text() };
}

/** A path to an existing file, else `<fixturesDir>/<vendor>/<name>.json`. */
function resolveBodyFile(vendorId: string, fixture: string, fixturesDir: string): string {
  if (fixture.includes('/') || fixture.includes('\\')) {
    const path = resolve(fixture);
    if (!existsSync(path)) throw new SendError(`No file at ${fixture}`);
    return path;
  }
  const dir = join(fixturesDir, vendorId);
  const name = fixture.endsWith('.json') ? fixture.slice(0, -'.json'.length) : fixture;
  const path = join(dir, `${name}.json`);
  const names = listFixtures(dir);
  if (names.includes(name)) return path;
  if (existsSync(fixture)) return resolve(fixture);
  throw new SendError(
    names.length === 0
      ? `No fixtures for ${vendorId} in ${dir}; pass a path to a body file instead`
      : `No fixture "${name}" for ${vendorId}. Fixtures: ${names.join(', ')}`,
  );
}

/** The route a fixture's `<name>.expected.json` names, when it is one of the vendor's. */
function expectedRoute(bodyFile: string, routes: readonly string[]): string | undefined {
  const expectedFile = bodyFile.replace(/\.json$/, '.expected.json');
  if (expectedFile === bodyFile || !existsSync(expectedFile)) return undefined;
  try {
    const { route } = JSON.parse(readFileSync(expectedFile, 'utf8')) as { route?: unknown };
    return typeof route === 'string' && routes.includes(route) ? route : undefined;
  } catch {
    return undefined;
  }
}

/** Body fixtures only: not the expected outputs, nor the credentials that signed them. */
export function listFixtures(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.json'))
    .map((entry) => entry.name.slice(0, -'.json'.length))
    .filter((name) => !name.endsWith('.expected') && name !== 'credentials')
    .sort();
}
