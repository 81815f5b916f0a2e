import { ConfigurationError } from './errors.js';
import type { BaseCredentials } from './vendor.js';

/**
 * Readers for a vendor's secret JSON (DESIGN §3.3). They fail with a message that names the
 * field and the expected shape, never the value.
 */

/** Keys every vendor's secret may hold beside its own. */
export const COMMON_SECRET_KEYS = ['allowedIps', 'allowUnauthenticated'] as const;

/**
 * Refuses a secret holding a key the vendor does not read: a misspelt key (`webhookSecret` for
 * `webhookSecrets`) would otherwise leave the vendor with no credential, and every delivery
 * refused. The message names the key, and the known key it most likely meant.
 */
export function assertKnownSecretKeys(
  secret: unknown,
  vendorId: string,
  vendorKeys: readonly string[],
): void {
  if (typeof secret !== 'object' || secret === null || Array.isArray(secret)) return;
  const known = [...COMMON_SECRET_KEYS, ...vendorKeys];
  for (const key of Object.keys(secret)) {
    if (known.includes(key)) continue;
    const guess = nearest(key, known);
    throw new ConfigurationError(
      `${vendorId} secret: unknown key "${key}"${guess ? `; did you mean "${guess}"?` : ''} ` +
        `(expected only ${known.map((k) => `"${k}"`).join(', ')})`,
    );
  }
}

/** The known word closest to `word` (edit distance, any case), when it is close enough. */
function nearest(word: string, known: readonly string[]): string | undefined {
  const scored = known.map((candidate) => ({
    candidate,
    distance: editDistance(word.toLowerCase(), candidate.toLowerCase()),
  }));
  const best = scored.sort((a, b) => a.distance - b.distance)[0];
  return best && best.distance <= Math.max(2, Math.floor(best.candidate.length / 3))
    ? best.candidate
    : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

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
