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
