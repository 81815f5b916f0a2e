import type { Vendor } from '../core/vendor.js';
import { bronid } from './bronid.js';
import { idwise } from './idwise.js';
import { ondato } from './ondato.js';
import { treezor } from './treezor.js';
import { truuth } from './truuth.js';

/** The vendors this project ships. Adding one: its file, its fixtures, and one line here. */
export const BUILT_IN_VENDORS: readonly Vendor[] = [bronid, idwise, ondato, treezor, truuth];

const registered: Vendor[] = [...BUILT_IN_VENDORS];

/**
 * Every vendor the pipeline knows: the built-in ones, and any registered at start-up. The test
 * suite registers a sample vendor defined in the test folder, to prove that a vendor is complete
 * in its one file; the Lambda functions and the stack only ever see the built-in ones.
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
