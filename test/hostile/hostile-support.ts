import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, expect } from 'vitest';
import type { Vendor } from '../../lambdas/core/vendor.js';
import { findVendor } from '../../lambdas/vendors/registry.js';
import { readFixtures } from '../support/vendor-fixtures.js';

/**
 * Shared pieces of the hostile-input suites: the vendors' byte-exact fixtures and credentials,
 * the run count, and a tally that each suite prints when it ends, so a run says how much it
 * tried and that nothing slipped through.
 */

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

/**
 * Cases per property. The defaults keep each hostile file well under 30 s on a laptop;
 * `HOSTILE_RUNS=<n>` runs every property `n` times instead (nightly, or after touching `verify`).
 */
export function runsFor(defaultRuns: number): number {
  const wanted = Number(process.env['HOSTILE_RUNS']);
  return Number.isInteger(wanted) && wanted > 0 ? wanted : defaultRuns;
}

/** The clock of the hostile suites: every request they make is received at this instant. */
export const NOW = new Date('2026-06-01T12:00:00.000Z');

/** A source address inside the Ondato fixture credentials' allow-list (`203.0.113.0/24`). */
export const SOURCE_IP = '203.0.113.9';

export interface VendorFixture {
  readonly vendorId: string;
  readonly name: string;
  /** The body exactly as the vendor sends it (already signed with the fixture credentials). */
  readonly body: string;
  readonly route: string;
  /** The credential headers a genuine delivery carries (none for vendors that sign in the body). */
  readonly headers: Readonly<Record<string, string>>;
  readonly dedupId: string;
}

export function vendorNamed(id: string): Vendor {
  const vendor = findVendor(id);
  if (!vendor) throw new Error(`vendor ${id} is not registered`);
  return vendor;
}

export function fixturesOf(vendorId: string): VendorFixture[] {
  return readFixtures(vendorId).map(({ name, body, expected }) => ({
    vendorId,
    name,
    body,
    route: expected.route,
    headers: expected.headers ?? {},
    dedupId: expected.dedupId,
  }));
}

/** The fixture credentials (`test/fixtures/<vendor>/credentials.json`), as the secret JSON. */
const secrets = new Map<string, Record<string, unknown>>();

/** The fixture credentials, read once: the same object lets ingest reuse its parse, as in AWS. */
export function fixtureSecret(vendorId: string): Record<string, unknown> {
  const known = secrets.get(vendorId);
  if (known) return known;
  const secret = JSON.parse(
    readFileSync(join(FIXTURES, vendorId, 'credentials.json'), 'utf8'),
  ) as Record<string, unknown>;
  secrets.set(vendorId, secret);
  return secret;
}

export { parsedCredentials } from '../support/credentials.js';

/** What one hostile case did, for the summary. */
export interface CaseRecord {
  readonly accepted: boolean;
  /** Accepted although the test's own definition of "genuine" says it is not. */
  readonly forgery: boolean;
  /** A 500, an unexpected 503, or an exception out of our code. */
  readonly serverError: boolean;
}

/**
 * Counts cases per subject (a vendor, or the token endpoint). The assertions fail the run on
 * the first bad case; the tally is what the summary line reports when the suite ends.
 */
export class Tally {
  readonly #rows = new Map<
    string,
    { tried: number; accepted: number; forgeries: number; serverErrors: number }
  >();

  /** `verdicts: false` for suites that judge no authenticity (normalize): their line omits it. */
  constructor(
    private readonly suite: string,
    private readonly options: { readonly verdicts: boolean } = { verdicts: true },
  ) {}

  record(subject: string, record: CaseRecord): void {
    const row = this.#rows.get(subject) ?? {
      tried: 0,
      accepted: 0,
      forgeries: 0,
      serverErrors: 0,
    };
    row.tried += 1;
    if (record.accepted) row.accepted += 1;
    if (record.forgery) row.forgeries += 1;
    if (record.serverError) row.serverErrors += 1;
    this.#rows.set(subject, row);
  }

  tried(subject: string): number {
    return this.#rows.get(subject)?.tried ?? 0;
  }

  /** One line per subject, e.g. `hostile ingest · treezor: 1200 cases, 310 accepted, …`. */
  lines(): string[] {
    return [...this.#rows.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([subject, row]) =>
        this.options.verdicts
          ? `${this.suite} · ${subject}: ${row.tried} cases tried, ${row.accepted} accepted, ` +
            `forgeries accepted = ${row.forgeries}, 500s = ${row.serverErrors}`
          : `${this.suite} · ${subject}: ${row.tried} cases tried, exceptions = ${row.serverErrors}`,
      );
  }
}

/**
 * Structural JSON equality: same keys (in any order) and values; numbers compare with `===`, so
 * `0` and `-0`, or `1` and `1.0`, are the same value, as they are to every reader of the event.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((item, i) => sameJson(item, b[i]))
    );
  }
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  return (
    keysA.length === keysB.length &&
    keysA.every(
      (key) =>
        Object.hasOwn(b, key) &&
        sameJson((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]),
    )
  );
}

/** `JSON.parse`, or `undefined`; never throws (the test's own reading of a body). */
export function tryParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** `obj[key]` for own keys of plain objects only. */
export function own(obj: unknown, key: string): unknown {
  return typeof obj === 'object' && obj !== null && !Array.isArray(obj) && Object.hasOwn(obj, key)
    ? (obj as Record<string, unknown>)[key]
    : undefined;
}

/** Decodes bytes as ingest does for vendors: UTF-8, invalid sequences as U+FFFD. */
export function decodeLoosely(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('utf8');
}

/** `depth` nested arrays around `inner`: `[[[…inner…]]]`, built without recursion. */
export function nestedArrays(depth: number, inner = '0'): string {
  return '['.repeat(depth) + inner + ']'.repeat(depth);
}

/** `depth` nested objects around `inner`: `{"a":{"a":…inner…}}`. */
export function nestedObjects(depth: number, inner = '0'): string {
  return '{"a":'.repeat(depth) + inner + '}'.repeat(depth);
}

/** `text`, cut to a readable length for a counterexample. */
export function preview(text: string): string {
  return JSON.stringify(text.length > 160 ? `${text.slice(0, 160)}… (${text.length} chars)` : text);
}

/** The bytes, printed in a counterexample as a short text preview instead of every byte value. */
export function withPreview(bytes: Buffer): Buffer {
  return Object.assign(bytes, { [fc.toStringMethod]: () => preview(decodeLoosely(bytes)) });
}

/** Own property names of `Object.prototype`: compared before and after a suite, so a hostile key
 * that reached the prototype (pollution) fails the run even when no assertion noticed. */
export function prototypeNames(): string[] {
  return Object.getOwnPropertyNames(Object.prototype).sort();
}

/**
 * The calling file's tally, printed once its tests have run, when it also checks that no case
 * reached `Object.prototype`.
 */
export function suiteTally(...args: ConstructorParameters<typeof Tally>): Tally {
  const tally = new Tally(...args);
  const prototypeBefore = prototypeNames();
  afterAll(() => {
    for (const line of tally.lines()) console.info(line);
    expect(prototypeNames(), 'Object.prototype was modified').toEqual(prototypeBefore);
    expect(({} as Record<string, unknown>)['status']).toBeUndefined();
  });
  return tally;
}
