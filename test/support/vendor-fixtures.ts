import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseBaseCredentials } from '../../lambdas/core/credentials.js';
import type { NormalizedDraft } from '../../lambdas/core/event.js';
import type { BaseCredentials, Vendor } from '../../lambdas/core/vendor.js';

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

export function vendorFixtures(vendor: Vendor) {
  const dir = fileURLToPath(new URL(`../fixtures/${vendor.id}/`, import.meta.url));
  const readBody = (path: string): string => readFileSync(join(dir, path)).toString('utf8');
  const names = readdirSync(dir)
    .filter((file) => file.endsWith(EXPECTED))
    .map((file) => file.slice(0, -EXPECTED.length))
    .sort();
  const read = <E extends FixtureExpectation = FixtureExpectation>(name: string): Fixture<E> => ({
    name,
    body: readBody(`${name}.json`),
    expected: JSON.parse(readBody(`${name}${EXPECTED}`)) as E,
  });
  /** `credentials.json` as written, parsed afresh. */
  const secret = (): Record<string, unknown> =>
    JSON.parse(readBody('credentials.json')) as Record<string, unknown>;
  /** A secret parsed as ingest parses it; `base` overrides the common fields. */
  const credentials = (value: Record<string, unknown> = secret(), base?: BaseCredentials) =>
    vendor.parseCredentials(value, base ?? parseBaseCredentials(value, vendor.id));
  return {
    dir,
    names,
    readBody,
    read,
    all: () => names.map((name) => read(name)),
    secret,
    credentials,
  };
}
