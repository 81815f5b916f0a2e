/** JSON helpers for vendor modules, which read untrusted shapes. */

export type JsonObject = Readonly<Record<string, unknown>>;

/**
 * The deepest nesting of arrays and objects read as JSON. No vendor sends deeper documents (PHP's
 * encoder, which Treezor uses, stops at 512), and `JSON.stringify` of a much deeper value
 * overflows the call stack (around 5,000 levels), which would crash whatever serializes a parsed
 * body again: bronID's signature check, or the processor when it publishes the payload.
 */
export const MAX_JSON_DEPTH = 512;

/** The parsed text, or `undefined` when it is not JSON or is nested deeper than `MAX_JSON_DEPTH`. */
export function parseJson(text: string): unknown {
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** One linear pass over the text, counting brackets outside strings. */
function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i += 1;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      depth += 1;
      if (depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth -= 1;
    }
  }
  return false;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A non-empty string or number as a string; anything else is `undefined`. */
export function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** `obj[key]` when `obj` is an object, read without touching the prototype chain. */
export function field(obj: unknown, key: string): unknown {
  return isObject(obj) && Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/**
 * `table[key]` from a table of the code's own (a vendor's words and what each means), read as an
 * own property only, so a word from the wire such as `constructor` never reaches the prototype.
 */
export function ownValue<T>(
  table: Readonly<Record<string, T>>,
  key: string | undefined,
): T | undefined {
  return key !== undefined && Object.hasOwn(table, key) ? table[key] : undefined;
}

/**
 * `value` without the object members at `paths` (each a list of keys from the root); members on a
 * path that is absent, or runs through a non-object, are simply not there to remove. Copies only
 * the objects along a path, never the rest.
 */
export function withoutMembers(value: unknown, paths: readonly (readonly string[])[]): unknown {
  return paths.reduce<unknown>((current, path) => withoutMember(current, path), value);
}

function withoutMember(value: unknown, path: readonly string[]): unknown {
  const [key, ...rest] = path;
  if (key === undefined || !isObject(value) || !Object.hasOwn(value, key)) return value;
  if (rest.length === 0) {
    const { [key]: _removed, ...others } = value;
    return others;
  }
  return { ...value, [key]: withoutMember(value[key], rest) };
}

/** `obj[key]` as an object to write into (test tooling shaping fixtures); throws when it is not. */
export function objectMember(obj: Record<string, unknown>, key: string): Record<string, unknown> {
  const value = obj[key];
  if (!isObject(value)) throw new TypeError(`expected an object at "${key}"`);
  return value as Record<string, unknown>;
}
