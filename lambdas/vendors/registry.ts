import type { Vendor } from '../core/vendor.js';

/**
 * A constant of the build, never of the environment: each vendor's ingest function is bundled
 * with it defined as that vendor's id (esbuild `define`, see `lib/function-bundles.ts`), and
 * nothing defines it anywhere else, so the processor, local mode and the tests see every vendor.
 */
declare const KYC_BUNDLED_VENDOR: string | undefined;

/** The name under which the build defines the one vendor a bundle holds. */
export const BUNDLED_VENDOR_CONSTANT = 'KYC_BUNDLED_VENDOR';

/**
 * The vendors this project ships. Adding one: its file, its fixtures, and one entry here.
 *
 * Each entry spells its own test, and loads its module with `import()`: where the build defines
 * `KYC_BUNDLED_VENDOR`, esbuild folds every other entry's test to `false` and leaves that
 * `import()` out of the bundle, module and dependencies with it (a static import would keep
 * them: vendor modules run code at load). So a vendor's ingest bundle holds its own module only,
 * and @noble/hashes' SHA-3 and Keccak are in bronID's alone. The price is paid where every vendor
 * loads: an `import()`ed module keeps all its exports and is wrapped to start lazily, about 6 KiB
 * more in the processor's bundle and a millisecond or so of its cold start.
 */
export const BUILT_IN_VENDORS: readonly Vendor[] = [
  ...(typeof KYC_BUNDLED_VENDOR === 'undefined' || KYC_BUNDLED_VENDOR === 'bronid'
    ? [(await import('./bronid.js')).bronid]
    : []),
  ...(typeof KYC_BUNDLED_VENDOR === 'undefined' || KYC_BUNDLED_VENDOR === 'idwise'
    ? [(await import('./idwise.js')).idwise]
    : []),
  ...(typeof KYC_BUNDLED_VENDOR === 'undefined' || KYC_BUNDLED_VENDOR === 'ondato'
    ? [(await import('./ondato.js')).ondato]
    : []),
  ...(typeof KYC_BUNDLED_VENDOR === 'undefined' || KYC_BUNDLED_VENDOR === 'treezor'
    ? [(await import('./treezor.js')).treezor]
    : []),
  ...(typeof KYC_BUNDLED_VENDOR === 'undefined' || KYC_BUNDLED_VENDOR === 'truuth'
    ? [(await import('./truuth.js')).truuth]
    : []),
];

const registered: Vendor[] = [...BUILT_IN_VENDORS];

/**
 * Every vendor the pipeline knows: the built-in ones, and any registered at start-up. The test
 * suite registers a sample vendor defined in the test folder, to prove that a vendor is complete
 * in its one file; the Lambda functions and the stack only ever see the built-in ones (an ingest
 * function only its own).
 */
export const VENDORS: readonly Vendor[] = registered;

/** Adds a vendor defined elsewhere; its id and routes must be new. */
export function registerVendor(vendor: Vendor): void {
  if (findVendor(vendor.id)) throw new Error(`vendor "${vendor.id}" is already registered`);
  const taken = vendor.routes.filter((route) => findVendorByRoute(route));
  if (taken.length > 0) throw new Error(`routes already registered: ${taken.join(', ')}`);
  registered.push(vendor);
}

export function findVendor(id: string): Vendor | undefined {
  return VENDORS.find((vendor) => vendor.id === id);
}

/** The vendor that owns an exact route path, e.g. `/webhooks/treezor`. */
export function findVendorByRoute(path: string): Vendor | undefined {
  return VENDORS.find((vendor) => vendor.routes.includes(path));
}
