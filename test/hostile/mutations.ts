import fc from 'fast-check';
import { tryParse } from './hostile-support.js';

/**
 * Mutations shared by the hostile suites: JSON-level edits of a fixture (replace, delete or add a
 * member, prototype keys included), invalid UTF-8 sequences, and textual member insertion.
 */
export const HOSTILE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '__defineGetter__',
];

/** A JSON value that may itself carry prototype keys (JSON.parse makes them own properties). */
export const hostileJsonValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc
    .tuple(fc.constantFrom(...HOSTILE_KEYS), fc.jsonValue({ maxDepth: 1 }))
    .map(([key, value]) => tryParse(`{${JSON.stringify(key)}:${JSON.stringify(value) ?? 'null'}}`)),
);

export type Step = string | number;

/** Every path to a value in a JSON document, root first (capped: fixtures are small). */
export function valuePaths(root: unknown): Step[][] {
  const paths: Step[][] = [];
  const stack: { value: unknown; path: Step[] }[] = [{ value: root, path: [] }];
  while (stack.length > 0 && paths.length < 5000) {
    const { value, path } = stack.pop() as { value: unknown; path: Step[] };
    paths.push(path);
    if (Array.isArray(value))
      value.forEach((item, i) => stack.push({ value: item, path: [...path, i] }));
    else if (typeof value === 'object' && value !== null) {
      for (const key of Object.keys(value)) {
        stack.push({ value: (value as Record<string, unknown>)[key], path: [...path, key] });
      }
    }
  }
  return paths;
}

export function at(root: unknown, path: readonly Step[]): unknown {
  let value = root;
  for (const step of path) value = (value as Record<string | number, unknown>)[step];
  return value;
}

/** Sets an own property, even one named `__proto__` (plain assignment would set the prototype). */
export function define(target: object, key: Step, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

export type JsonEdit =
  | { readonly op: 'replace'; readonly pick: number; readonly value: unknown }
  | { readonly op: 'delete'; readonly pick: number }
  | { readonly op: 'add'; readonly pick: number; readonly key: string; readonly value: unknown };

export const jsonEdit: fc.Arbitrary<JsonEdit> = fc.oneof(
  fc.record({ op: fc.constant('replace' as const), pick: fc.nat(), value: hostileJsonValue }),
  fc.record({ op: fc.constant('delete' as const), pick: fc.nat() }),
  fc.record({
    op: fc.constant('add' as const),
    pick: fc.nat(),
    key: fc.oneof(fc.constantFrom(...HOSTILE_KEYS), fc.string({ maxLength: 12 })),
    value: hostileJsonValue,
  }),
);

/** Applies one edit to the parsed fixture and serializes it compactly. */
export function editJson(body: string, edit: JsonEdit): Buffer {
  const root = JSON.parse(body) as unknown;
  const paths = valuePaths(root);
  const path = paths[edit.pick % paths.length] ?? [];
  const parentPath = path.slice(0, -1);
  const last = path[path.length - 1];
  const parent = at(root, parentPath);
  const target = at(root, path);
  let result: unknown = root;
  if (edit.op === 'replace') {
    if (last === undefined) result = edit.value;
    else define(parent as object, last, edit.value);
  } else if (edit.op === 'delete') {
    if (last === undefined) result = {};
    else if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete (parent as Record<string, unknown>)[last];
  } else if (Array.isArray(target)) {
    target.push(edit.value);
  } else if (typeof target === 'object' && target !== null) {
    define(target, edit.key, edit.value);
  } else if (last !== undefined) {
    define(parent as object, last, { [edit.key]: edit.value });
  }
  return Buffer.from(JSON.stringify(result) ?? 'null');
}

/** Bytes that are never valid UTF-8: a lone continuation, an overlong NUL, a surrogate, a cut. */
export const INVALID_UTF8 = [
  [0xff],
  [0x80],
  [0xc0, 0x80],
  [0xed, 0xa0, 0x80],
  [0xe2, 0x82],
  [0xf8, 0x88, 0x80],
];

/** Inserts `text` right after the top-level `{`, or right before the last `}`. */
export function insertMember(body: string, member: string, atEnd: boolean): string {
  if (atEnd) {
    const close = body.lastIndexOf('}');
    return close < 0 ? body : `${body.slice(0, close)},${member}${body.slice(close)}`;
  }
  const open = body.indexOf('{');
  return open < 0 ? body : `${body.slice(0, open + 1)}${member},${body.slice(open + 1)}`;
}
