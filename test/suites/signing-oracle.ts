import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type fc from 'fast-check';
import type { Vendor } from '../../lambdas/core/vendor.js';

/**
 * An independent oracle of one vendor's in-body signature scheme: what the signature covers,
 * how to attack it, and what may be rewritten without it noticing. It cannot come from the
 * vendor's own code (that is what the hostile suites check), so each vendor that signs in the
 * body keeps one beside its fixtures, written from the vendor's documentation:
 * `test/fixtures/<vendor>/signing-oracle.ts`, exporting `signingOracle`.
 */

export interface BodyVariant {
  readonly label: string;
  readonly bytes: Buffer;
}

export interface SigningOracle<R = unknown> {
  /**
   * Whether `presented` (a parsed body, or undefined) carries the content the vendor signed in
   * `original` (the parsed fixture) and a signature the vendor sent for it.
   */
  readonly genuine: (original: unknown, presented: unknown) => boolean;
  /** The part of a parsed body the signature covers: a live reference into `root`. */
  readonly signedPart: (root: unknown) => unknown;
  /** Attacks on one genuine body's signature: flipped bits, a signature kept over changed content. */
  readonly signatureAttacks: (body: string) => fc.Arbitrary<BodyVariant>[];
  /** A random rewrite of everything outside the signed bytes (printed as the counterexample). */
  readonly rewrite: fc.Arbitrary<R>;
  /** The body with `rewrite` applied: the signed bytes kept, everything else changed. */
  readonly applyRewrite: (body: string, rewrite: R) => string;
}

/** Types an oracle file's export; the rewrite's own type stays inside the file. */
export const defineSigningOracle = <R>(oracle: SigningOracle<R>): SigningOracle =>
  oracle as unknown as SigningOracle;

/** Where a vendor's signing oracle lives, from the repository root. */
export const signingOracleFile = (vendorId: string): string =>
  `test/fixtures/${vendorId}/signing-oracle.ts`;

/**
 * The signing oracle of each vendor given that signs in its body, found by its id. A vendor
 * without one is absent from the map: `signingOracleOf` then fails naming the missing file.
 */
export async function loadSigningOracles(
  vendors: readonly Vendor[],
): Promise<ReadonlyMap<string, SigningOracle>> {
  const oracles = new Map<string, SigningOracle>();
  for (const vendor of vendors) {
    if (vendor.proof.kind !== 'body-signature') continue;
    const url = new URL(`../../${signingOracleFile(vendor.id)}`, import.meta.url);
    if (!existsSync(fileURLToPath(url))) continue;
    const module = (await import(url.href)) as { readonly signingOracle?: SigningOracle };
    if (module.signingOracle) oracles.set(vendor.id, module.signingOracle);
  }
  return oracles;
}

export function signingOracleOf(
  oracles: ReadonlyMap<string, SigningOracle>,
  vendorId: string,
): SigningOracle {
  const oracle = oracles.get(vendorId);
  if (!oracle) {
    throw new Error(
      `No oracle for ${vendorId}'s body signature: add ${signingOracleFile(vendorId)}, exporting ` +
        '`signingOracle` (what the signature covers, written from the vendor’s documentation)',
    );
  }
  return oracle;
}
