import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseBaseCredentials } from '../../lambdas/core/credentials.js';
import type { BaseCredentials, Vendor } from '../../lambdas/core/vendor.js';

/** The development secrets file local mode reads by default. */
export const SECRETS_FILE = fileURLToPath(
  new URL('../../config/local-secrets.json', import.meta.url),
);

/** The development secrets local mode reads (config/local-secrets.json), by vendor id. */
export const LOCAL_SECRETS = JSON.parse(readFileSync(SECRETS_FILE, 'utf8')) as Readonly<
  Record<string, Record<string, unknown>>
>;

/** A vendor's credentials from `secret`, parsed as the functions parse them. */
export function parsedCredentials(
  vendor: Vendor,
  secret: Record<string, unknown>,
): BaseCredentials {
  return vendor.parseCredentials(secret, parseBaseCredentials(secret, vendor.id));
}

/** A vendor's development credentials from the local secrets (an empty secret if it has none). */
export function localCredentials(vendor: Vendor): BaseCredentials {
  return parsedCredentials(vendor, LOCAL_SECRETS[vendor.id] ?? {});
}
