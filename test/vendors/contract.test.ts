import { VENDORS } from '../../lambdas/vendors/registry.js';
import { describeVendorContract } from '../suites/vendor-contract.js';

/** Every registered vendor passes the vendor contract (test/suites/vendor-contract.ts). */
for (const vendor of VENDORS) describeVendorContract(vendor);
