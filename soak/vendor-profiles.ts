import type { SoakFacts, Vendor, VendorTesting } from '../lambdas/core/vendor.js';
import { findVendor } from '../lambdas/vendors/registry.js';

/**
 * What the soak needs to know about each vendor to turn one of its fixtures into many distinct
 * deliveries — which fixtures report on the same kind of subject, and where the event id, the
 * subject id and the event time sit in the body — is declared by the vendor itself. Only ids and
 * times are changed, so each fixture's `.expected.json` still says which status it carries.
 */

/** The facts one generated event gets (declared with the vendor's soak profile). */
export type EventFacts = SoakFacts;

/** A vendor and its soak profile, as it declares it in its own file (`testing.soak`). */
export type VendorProfile = VendorTesting['soak'] & { readonly vendor: Vendor };

/** Every registered vendor's profile. */
export function vendorProfiles(vendorIds: readonly string[]): VendorProfile[] {
  return vendorIds.map((id) => {
    const vendor = findVendor(id);
    if (!vendor) throw new Error(`Vendor ${id} is not registered`);
    return { vendor, ...vendor.testing.soak };
  });
}
