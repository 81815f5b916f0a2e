import type { Vendor } from '../core/vendor.js';
import { bronid } from './bronid.js';
import { idwise } from './idwise.js';
import { ondato } from './ondato.js';
import { treezor } from './treezor.js';
import { truuth } from './truuth.js';

/** Every vendor the pipeline knows. Adding one: its file, its fixtures, and one line here. */
export const VENDORS: readonly Vendor[] = [bronid, idwise, ondato, treezor, truuth];

export function findVendor(id: string): Vendor | undefined {
  return VENDORS.find((vendor) => vendor.id === id);
}

/** The vendor that owns an exact route path, e.g. `/webhooks/treezor`. */
export function findVendorByRoute(path: string): Vendor | undefined {
  return VENDORS.find((vendor) => vendor.routes.includes(path));
}
