import { expect } from 'vitest';

/**
 * Every test run includes a sixth vendor defined in the test folder only (a header-HMAC scheme),
 * so every shared suite — contract, hostile input, signed bytes, rotation, log hygiene, soak,
 * stack, local mode — proves it needs nothing but the vendor's one file and its fixtures.
 *
 * Unit tests of `lambdas/core/` are left alone: some count calls into a mocked `node:crypto`,
 * and loading the vendors here first would load the real one before their mock.
 */
if (!/[\\/]test[\\/]core[\\/]/.test(expect.getState().testPath ?? '')) {
  const { registerVendor } = await import('../../lambdas/vendors/registry.js');
  const { sampleHmac } = await import('../sample-vendor/sample-hmac.js');
  registerVendor(sampleHmac);
}
