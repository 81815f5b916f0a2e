import { ConfigurationError } from './errors.js';
import type { BaseCredentials } from './vendor.js';

/**
 * Readers for a vendor's secret JSON (DESIGN §3.3). They fail with a message that names the
 * field and the expected shape, never the value.
 */

export function parseBaseCredentials(secret: unknown, vendorId: string): BaseCredentials {
  if (typeof secret !== 'object' || secret === null || Array.isArray(secret)) {
    throw new ConfigurationError(`The ${vendorId} secret must be a JSON object`);
  }
  const record = secret as Record<string, unknown>;
  const allow = record['allowUnauthenticated'];
  if (allow !== undefined && typeof allow !== 'boolean') {
    throw new ConfigurationError(
      `${vendorId} secret: "allowUnauthenticated" must be true or false`,
    );
  }
  const allowedIps =
    record['allowedIps'] === undefined ? undefined : readStringList(record, 'allowedIps', vendorId);
  return { allowUnauthenticated: allow === true, ...(allowedIps && { allowedIps }) };
}

/** A list of non-empty strings; absent means empty. */
export function readStringList(
  secret: Readonly<Record<string, unknown>>,
  key: string,
  vendorId: string,
): readonly string[] {
  const value = secret[key];
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v !== '')) {
    throw new ConfigurationError(
      `${vendorId} secret: "${key}" must be a list of non-empty strings`,
    );
  }
  return value as string[];
}

/** `{"header-name": ["value", …]}`; header names are lower-cased. */
export function readHeaderMap(
  secret: Readonly<Record<string, unknown>>,
  key: string,
  vendorId: string,
): Readonly<Record<string, readonly string[]>> {
  const value = secret[key];
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigurationError(
      `${vendorId} secret: "${key}" must map header names to lists of values`,
    );
  }
  const map: Record<string, readonly string[]> = {};
  for (const name of Object.keys(value)) {
    // `Authorization` and `authorization` are one header: keep every value of both.
    const key = name.toLowerCase();
    const values = readStringList(value as Record<string, unknown>, name, vendorId);
    map[key] = [...(Object.hasOwn(map, key) ? (map[key] ?? []) : []), ...values];
  }
  return map;
}
