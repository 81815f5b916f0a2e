/**
 * A known-answer table kept with a vendor's fixtures (test/fixtures/<vendor>/<name>.json):
 * `{ "note": where its answers come from, "rows": [...] }`, written from the vendor's
 * documentation, never from its code. Read afresh on every call.
 */
export function knownAnswers<Row>(
  fixtures: { readonly readBody: (path: string) => string },
  name: string,
): Row[] {
  const table = JSON.parse(fixtures.readBody(name)) as { readonly rows?: Row[] };
  if (!Array.isArray(table.rows)) throw new Error(`${name} has no "rows"`);
  return table.rows;
}

/**
 * The rows of a table whose first column is `key`, that column dropped. Throws when there is none,
 * so a misspelt key or a table that lost its rows cannot leave a test with no cases.
 */
export function rowsFor<Rest extends unknown[]>(
  rows: readonly (readonly [string, ...Rest])[],
  key: string,
): Rest[] {
  const found = rows.filter(([first]) => first === key).map(([, ...rest]) => rest);
  if (found.length === 0) throw new Error(`no "${key}" rows`);
  return found;
}
