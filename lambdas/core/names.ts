/**
 * `{ trace: 'trace', userId: 'userId' }` from `wireNames('trace', 'userId')`: the names a vendor
 * file reads from the wire, each written once and used as `FIELDS.trace`, so a name misspelt where
 * it is used is a type error. A name that differs on the wire is added beside the call.
 */
export function wireNames<const N extends string>(
  ...names: readonly N[]
): { readonly [K in N]: K } {
  return Object.fromEntries(names.map((name) => [name, name])) as { readonly [K in N]: K };
}
