import { matchesAny } from './secure-compare.js';
import type { CredentialCheck } from './vendor.js';

/**
 * Checks header credentials: the delivery passes when any configured header carries any of that
 * header's accepted values. Every accepted value is compared in constant time.
 * `Authorization` values compare the scheme word case-insensitively (`basic` = `Basic`).
 */
export function checkHeaderCredentials(
  headers: Readonly<Record<string, string | undefined>>,
  accepted: Readonly<Record<string, readonly string[]>>,
): CredentialCheck {
  const names = Object.keys(accepted).filter((name) => (accepted[name]?.length ?? 0) > 0);
  if (names.length === 0) return 'unconfigured';
  let presented = false;
  let valid = false;
  for (const name of names) {
    const actual = Object.hasOwn(headers, name) ? headers[name] : undefined;
    if (actual === undefined) continue;
    presented = true;
    const values = accepted[name] ?? [];
    valid =
      (name === 'authorization'
        ? matchesAny(canonicalAuthorization(actual), values.map(canonicalAuthorization))
        : matchesAny(actual.trim(), values)) || valid;
  }
  if (valid) return 'valid';
  return presented ? 'invalid' : 'absent';
}

/**
 * `bEaReR   abc` → `bearer abc`: the scheme is case-insensitive (RFC 9110 §11.1), the token is not.
 * Trims first and splits at the first run of whitespace: a single regular expression with a lazy
 * token before trailing whitespace backtracked quadratically, so a header flooded with spaces cost
 * seconds of CPU before being refused.
 */
export function canonicalAuthorization(value: string): string {
  const trimmed = value.trim();
  const scheme = /^\S+/.exec(trimmed)?.[0] ?? '';
  const separator = /^\s+/.exec(trimmed.slice(scheme.length))?.[0];
  if (scheme === '' || separator === undefined) return trimmed;
  return `${scheme.toLowerCase()} ${trimmed.slice(scheme.length + separator.length)}`;
}
