import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseBaseCredentials } from '../../lambdas/core/credentials.js';
import type { NormalizedDraft } from '../../lambdas/core/event.js';
import { parseJson } from '../../lambdas/core/json.js';
import type { BaseCredentials, Vendor, Verification } from '../../lambdas/core/vendor.js';

/**
 * A vendor's byte-exact fixtures under test/fixtures/<vendor>/: `<name>.json` (the body as the
 * vendor sends it) beside `<name>.expected.json`, and `credentials.json` (the secret that
 * authenticates them). Bodies are read as bytes and decoded as ingest does; every read is fresh,
 * so no test can see another's mutation.
 */

export interface FixtureExpectation {
  readonly route: string;
  readonly headers?: Record<string, string>;
  readonly dedupId: string;
  readonly events: NormalizedDraft[];
}

export interface Fixture<E extends FixtureExpectation = FixtureExpectation> {
  readonly name: string;
  readonly body: string;
  readonly expected: E;
}

const EXPECTED = '.expected.json';

const fixtureDir = (vendorId: string): string =>
  fileURLToPath(new URL(`../fixtures/${vendorId}/`, import.meta.url));

/** The names of the fixtures in `dir`: each `<name>.expected.json`, in order. */
function fixtureNames(dir: string): string[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith(EXPECTED))
    .map((file) => file.slice(0, -EXPECTED.length))
    .sort();
}

function readFixture<E extends FixtureExpectation = FixtureExpectation>(
  dir: string,
  name: string,
): Fixture<E> {
  const readBody = (path: string): string => readFileSync(join(dir, path)).toString('utf8');
  return {
    name,
    body: readBody(`${name}.json`),
    expected: JSON.parse(readBody(`${name}${EXPECTED}`)) as E,
  };
}

/** Every fixture of the vendor, in name order; none without a fixture folder (a suite then says so). */
export function readFixtures(vendorId: string): Fixture[] {
  const dir = fixtureDir(vendorId);
  return existsSync(dir) ? fixtureNames(dir).map((name) => readFixture(dir, name)) : [];
}

export function vendorFixtures(vendor: Vendor) {
  const dir = fixtureDir(vendor.id);
  const readBody = (path: string): string => readFileSync(join(dir, path)).toString('utf8');
  const names = fixtureNames(dir);
  const read = <E extends FixtureExpectation = FixtureExpectation>(name: string): Fixture<E> =>
    readFixture<E>(dir, name);
  /** `credentials.json` as written, parsed afresh. */
  const secret = (): Record<string, unknown> =>
    JSON.parse(readBody('credentials.json')) as Record<string, unknown>;
  /** A secret parsed as ingest parses it; `base` overrides the common fields. */
  const credentials = (value: Record<string, unknown> = secret(), base?: BaseCredentials) =>
    vendor.parseCredentials(value, base ?? parseBaseCredentials(value, vendor.id));
  const route = vendor.routes[0] ?? '';
  const fixtureCredentials = credentials();
  /** `verify` on a body alone, as for vendors that sign in the body (no headers). */
  const verifyBody = (body: string, creds: BaseCredentials = fixtureCredentials): Verification =>
    vendor.verify({ route, body, headers: {}, sourceIp: '192.0.2.1', now: new Date(0) }, creds);
  /**
   * `normalize` received late enough that no vendor time is in the future, so the tests see the
   * vendor's own times (the clamp on future times is tested on its own).
   */
  const normalizeBody = (body: string): NormalizedDraft[] =>
    vendor.normalize({
      route,
      body,
      json: parseJson(body),
      receivedAt: '9999-12-31T23:59:59.999Z',
    });
  return {
    dir,
    names,
    readBody,
    read,
    all: () => names.map((name) => read(name)),
    secret,
    credentials,
    verifyBody,
    normalizeBody,
  };
}
