import type { Vendor } from '../../lambdas/core/vendor.js';
import { findVendor, VENDORS } from '../../lambdas/vendors/registry.js';
import { UsageError } from '../errors.js';

export function requireVendor(id: string): Vendor {
  const vendor = findVendor(id);
  if (!vendor) {
    throw new UsageError(`Unknown vendor "${id}". Vendors: ${VENDORS.map((v) => v.id).join(', ')}`);
  }
  return vendor;
}
