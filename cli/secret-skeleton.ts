import {
  assertKnownSecretKeys,
  COMMON_SECRET_KEYS,
  parseBaseCredentials,
} from '../lambdas/core/credentials.js';
import type { Vendor } from '../lambdas/core/vendor.js';
import { CliError } from './errors.js';

/**
 * Secret skeletons, derived rather than written per vendor: a vendor's development secret
 * (config/local-secrets.json, which adding a vendor already requires) has exactly the shape of
 * its production secret, so its values are replaced with `<placeholders>`. A new vendor's
 * skeleton therefore lives in one place, next to its development credentials.
 */

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** Keys every vendor's secret may hold; deployment choices, not part of the skeleton. */
export const COMMON_KEYS = COMMON_SECRET_KEYS;

/** A placeholder: `<…>` anywhere in a string. A real credential never contains one. */
const PLACEHOLDER = /<[^<>]+>/;

const SCHEMES: Readonly<Record<string, string>> = {
  basic: 'Basic <base64 of user:password>',
  bearer: 'Bearer <token>',
};

export function secretSkeleton(developmentSecret: unknown): Json {
  if (!isRecord(developmentSecret)) {
    throw new CliError('The development secret is not a JSON object');
  }
  const skeleton: Record<string, Json> = {};
  for (const [key, value] of Object.entries(developmentSecret)) {
    if ((COMMON_KEYS as readonly string[]).includes(key)) continue;
    skeleton[key] = placeholders(value, key);
  }
  return skeleton;
}

function placeholders(value: unknown, path: string): Json {
  if (typeof value === 'string') {
    const scheme = /^(\w+)\s/.exec(value)?.[1]?.toLowerCase();
    return (scheme && SCHEMES[scheme]) ?? `<${path}>`;
  }
  // One entry shows the shape; the README says every list holds all accepted values.
  if (Array.isArray(value)) return value.length === 0 ? [] : [placeholders(value[0], `${path}[0]`)];
  if (isRecord(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [key, placeholders(inner, `${path}.${key}`)]),
    );
  }
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return value;
  return null;
}

export interface SecretCheck {
  /** `path: n values` lines, never a value. */
  readonly shape: readonly string[];
  readonly warnings: readonly string[];
}

/**
 * Validates a secret exactly as ingest will read it (the vendor's own `parseCredentials`), and
 * refuses a skeleton not filled in. Messages name fields, never values.
 */
export function checkSecret(vendor: Vendor, text: string): SecretCheck {
  let secret: unknown;
  try {
    secret = JSON.parse(text);
  } catch {
    throw new CliError(`The ${vendor.id} secret is not valid JSON`);
  }
  const leftover = findPlaceholder(secret, '');
  if (leftover !== undefined) {
    throw new CliError(
      `The ${vendor.id} secret still holds a <placeholder> at "${leftover}"; fill it in`,
    );
  }
  assertKnownSecretKeys(secret, vendor.id, vendor.secretKeys);
  const base = parseBaseCredentials(secret, vendor.id);
  vendor.parseCredentials(secret as Record<string, unknown>, base);

  const record = secret as Record<string, unknown>;
  const credentialKeys = Object.keys(record).filter(
    (key) => !(COMMON_KEYS as readonly string[]).includes(key) && !isEmpty(record[key]),
  );
  const warnings =
    credentialKeys.length === 0 && !base.allowUnauthenticated
      ? [`It lists no credential: ${vendor.id} will refuse every delivery.`]
      : [];
  return { shape: describeShape(secret, ''), warnings };
}

function findPlaceholder(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return PLACEHOLDER.test(value) ? path : undefined;
  if (Array.isArray(value)) {
    for (const [i, inner] of value.entries()) {
      const found = findPlaceholder(inner, `${path}[${i}]`);
      if (found !== undefined) return found;
    }
  } else if (isRecord(value)) {
    for (const [key, inner] of Object.entries(value)) {
      const found = findPlaceholder(inner, path === '' ? key : `${path}.${key}`);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

function describeShape(value: unknown, path: string): string[] {
  if (Array.isArray(value))
    return [`${path}: ${value.length} value${value.length === 1 ? '' : 's'}`];
  if (isRecord(value)) {
    return Object.entries(value).flatMap(([key, inner]) =>
      describeShape(inner, path === '' ? key : `${path}.${key}`),
    );
  }
  // Switches are not secret; strings may be.
  return [`${path}: ${typeof value === 'boolean' ? String(value) : 'set'}`];
}

function isEmpty(value: unknown): boolean {
  if (Array.isArray(value)) return value.length === 0;
  if (isRecord(value)) return Object.values(value).every(isEmpty);
  return value === undefined || value === null || value === '';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
