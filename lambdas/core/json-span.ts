/**
 * Finds where a member sits in a JSON text, by offsets into the text itself, so that a vendor
 * can check a signature over the exact characters it received (Treezor signs `object_payload`
 * as sent; bronID signs the body without its `signature` member). Parsing and re-serialising
 * cannot do this: `JSON.parse` rewrites `1.0` as `1` and moves integer-like keys first.
 *
 * The whole text is validated as JSON (RFC 8259); anything malformed gives `undefined`.
 * Offsets are JavaScript string indices (UTF-16 code units); `end` is exclusive.
 */

export interface TextSpan {
  readonly start: number;
  readonly end: number;
}

export interface MemberSpans {
  /** From the key's opening quote to the end of the value. */
  readonly member: TextSpan;
  readonly key: TextSpan;
  readonly value: TextSpan;
  /**
   * What to delete to remove the member and leave valid JSON: the member plus the comma that
   * separates it from its next sibling (up to that sibling's key), or, for the last member,
   * from the end of the previous sibling's value.
   */
  readonly removal: TextSpan;
}

/** Deeper nesting is refused rather than risking the call stack on a hostile body. */
const MAX_DEPTH = 512;

/**
 * The member reached by following `path` (object keys, from the top-level object). When a key
 * is repeated, the last one wins, as with `JSON.parse`, so the span always covers the value a
 * parser would read.
 */
export function findMember(text: string, path: readonly string[]): MemberSpans | undefined {
  if (path.length === 0) return undefined;
  const scan = new Scanner(text, path);
  const start = scan.skipWhitespace(0);
  const end = scan.value(start, 0, 0);
  if (end === undefined || scan.skipWhitespace(end) !== text.length) return undefined;
  return scan.found;
}

/** The raw text span of the value at `path`, or `undefined`. */
export function findValueSpan(text: string, path: readonly string[]): TextSpan | undefined {
  return findMember(text, path)?.value;
}

/** `text` with the member at `path` cut out (still valid JSON), or `undefined` if absent. */
export function withoutMember(text: string, path: readonly string[]): string | undefined {
  const spans = findMember(text, path);
  if (!spans) return undefined;
  return text.slice(0, spans.removal.start) + text.slice(spans.removal.end);
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const LITERALS = ['true', 'false', 'null'] as const;

class Scanner {
  found: MemberSpans | undefined;

  constructor(
    private readonly text: string,
    private readonly path: readonly string[],
  ) {}

  skipWhitespace(pos: number): number {
    let at = pos;
    for (;;) {
      const c = this.text.charCodeAt(at);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return at;
      at += 1;
    }
  }

  /**
   * Scans one value starting at `pos`; returns the offset just after it. `level` is how many
   * path keys matched on the way here (`-1` once off the path).
   */
  value(pos: number, depth: number, level: number): number | undefined {
    if (depth > MAX_DEPTH) return undefined;
    const c = this.text[pos];
    if (c === '{') return this.object(pos, depth, level);
    if (c === '[') return this.array(pos, depth);
    if (c === '"') return this.string(pos);
    for (const literal of LITERALS) {
      if (this.text.startsWith(literal, pos)) return pos + literal.length;
    }
    NUMBER.lastIndex = pos;
    return NUMBER.test(this.text) ? NUMBER.lastIndex : undefined;
  }

  private object(open: number, depth: number, level: number): number | undefined {
    let pos = this.skipWhitespace(open + 1);
    if (this.text[pos] === '}') return pos + 1;
    let previousValueEnd: number | undefined;
    let targetJustEnded = false;
    for (;;) {
      const keyStart = pos;
      if (targetJustEnded && this.found) {
        // The target has a next sibling: remove from its key up to that sibling's key.
        const removal = { start: this.found.member.start, end: keyStart };
        this.found = { ...this.found, removal };
      }
      targetJustEnded = false;
      const keyEnd = this.string(keyStart);
      if (keyEnd === undefined) return undefined;
      const colon = this.skipWhitespace(keyEnd);
      if (this.text[colon] !== ':') return undefined;
      const valueStart = this.skipWhitespace(colon + 1);
      const wanted =
        level >= 0 && decodeKey(this.text.slice(keyStart, keyEnd)) === this.path[level];
      const isTarget = wanted && level === this.path.length - 1;
      // A repeated key on the path replaces what an earlier one held, as JSON.parse does.
      if (wanted) this.found = undefined;
      const valueEnd = this.value(valueStart, depth + 1, wanted && !isTarget ? level + 1 : -1);
      if (valueEnd === undefined) return undefined;
      if (isTarget) {
        this.found = {
          member: { start: keyStart, end: valueEnd },
          key: { start: keyStart, end: keyEnd },
          value: { start: valueStart, end: valueEnd },
          // The last member takes the comma before it; a following sibling widens this above.
          removal: { start: previousValueEnd ?? keyStart, end: valueEnd },
        };
        targetJustEnded = true;
      }
      pos = this.skipWhitespace(valueEnd);
      const separator = this.text[pos];
      if (separator === '}') return pos + 1;
      if (separator !== ',') return undefined;
      previousValueEnd = valueEnd;
      pos = this.skipWhitespace(pos + 1);
    }
  }

  private array(open: number, depth: number): number | undefined {
    let pos = this.skipWhitespace(open + 1);
    if (this.text[pos] === ']') return pos + 1;
    for (;;) {
      const end = this.value(pos, depth + 1, -1);
      if (end === undefined) return undefined;
      pos = this.skipWhitespace(end);
      const separator = this.text[pos];
      if (separator === ']') return pos + 1;
      if (separator !== ',') return undefined;
      pos = this.skipWhitespace(pos + 1);
    }
  }

  /** A string starting at the quote at `open`; returns the offset after the closing quote. */
  private string(open: number): number | undefined {
    if (this.text[open] !== '"') return undefined;
    let pos = open + 1;
    for (;;) {
      const c = this.text.charCodeAt(pos);
      if (Number.isNaN(c) || c < 0x20) return undefined;
      if (c === 0x22) return pos + 1;
      if (c !== 0x5c) {
        pos += 1;
        continue;
      }
      const escape = this.text[pos + 1];
      if (escape === 'u') {
        if (!/^[0-9a-fA-F]{4}$/.test(this.text.slice(pos + 2, pos + 6))) return undefined;
        pos += 6;
      } else if (escape !== undefined && '"\\/bfnrt'.includes(escape)) {
        pos += 2;
      } else {
        return undefined;
      }
    }
  }
}

/** The key's decoded name: `"object\u005fpayload"` is the key `object_payload`. */
function decodeKey(raw: string): string {
  return JSON.parse(raw) as string;
}
