/** Reading an HTTP request as API Gateway hands it over; shared by every endpoint. */

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The body as text, or `undefined` when it is not valid UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * Header names lower-cased, repeated headers joined with a comma as API Gateway does. The map
 * has no prototype, so a header named `__proto__` or `constructor` is just a header.
 */
export function lowerCaseHeaders(
  headers: Readonly<Record<string, string | undefined>>,
): Record<string, string | undefined> {
  const lowered: Record<string, string | undefined> = Object.create(null) as Record<
    string,
    string | undefined
  >;
  for (const [name, value] of Object.entries(headers)) {
    const key = name.toLowerCase();
    lowered[key] = lowered[key] === undefined ? value : `${lowered[key]},${value}`;
  }
  return lowered;
}
