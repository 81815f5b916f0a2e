import { assertKnownSecretKeys, parseBaseCredentials } from '../core/credentials.js';
import { IpAllowList } from '../core/ip-allow-list.js';
import type { SecretSource } from '../core/ports.js';
import type { BaseCredentials } from '../core/vendor.js';

/** A vendor's parsed credentials and the allow-list its source addresses are held to. */
export interface VendorAccess<C extends BaseCredentials = BaseCredentials> {
  readonly credentials: C;
  /** `undefined` when any source address is accepted. */
  readonly allowList?: IpAllowList;
}

/** What is needed to read a vendor's secret; every `Vendor` is one. */
export interface AccessSpec<C extends BaseCredentials> {
  readonly id: string;
  /** The vendor's own secret keys (see `Vendor.secretKeys`). */
  readonly secretKeys: readonly string[];
  readonly parseCredentials: (
    secret: Readonly<Record<string, unknown>>,
    base: BaseCredentials,
  ) => C;
  /** The allow-list used when the secret sets none. */
  readonly defaultAllowedIps?: readonly string[];
}

/**
 * Parsed once per secret object and parser: the secret source returns the same object while
 * its cache holds, and one process (local mode) may read one secret with several parsers.
 */
const cache = new WeakMap<object, Map<unknown, VendorAccess>>();

/**
 * Reads and parses a vendor's secret; throws a `ConfigurationError` (naming the field) when it
 * has the wrong shape, and whatever the secret source throws when it cannot be read.
 */
export async function loadVendorAccess<C extends BaseCredentials>(
  secrets: SecretSource,
  spec: AccessSpec<C>,
): Promise<VendorAccess<C>> {
  const secret = await secrets.get(spec.id);
  const byParser = typeof secret === 'object' && secret !== null ? cache.get(secret) : undefined;
  const cached = byParser?.get(spec.parseCredentials) as VendorAccess<C> | undefined;
  if (cached) return cached;
  assertKnownSecretKeys(secret, spec.id, spec.secretKeys);
  const base = parseBaseCredentials(secret, spec.id);
  const credentials = spec.parseCredentials(secret as Record<string, unknown>, base);
  const allowedIps = credentials.allowedIps ?? spec.defaultAllowedIps;
  const access: VendorAccess<C> = {
    credentials,
    ...(allowedIps && { allowList: new IpAllowList(allowedIps) }),
  };
  const entries = byParser ?? new Map<unknown, VendorAccess>();
  entries.set(spec.parseCredentials, access);
  cache.set(secret as object, entries);
  return access;
}
