import { BlockList, isIP } from 'node:net';

/**
 * EventBridge event-pattern matching, offline (DESIGN §7: no maintained JavaScript matcher exists,
 * and AWS's own Event Ruler is Java). Semantics follow the EventBridge user guide ("Event
 * patterns", "Comparison operators", "Arrays", "Null values and empty strings") and Event Ruler:
 * - fields are AND, the values of a leaf array are OR, `$or` (two or more objects) is OR of fields;
 * - an event array matches when any element does; objects inside one array element are matched
 *   together (Event Ruler's array consistency), never across elements;
 * - only leaf values (strings, numbers, booleans, null) are matched: an object is not a leaf, so
 *   `exists: false` matches a field whose value is an object, and every other match fails there;
 * - a missing field fails every match but `exists: false`; `anything-but` needs a value too.
 */

/** A pattern that `parsePattern` accepted: a JSON object of fields. */
export type EventPattern = Readonly<Record<string, unknown>>;

/** The string operators that `anything-but` also takes. */
const TEXT_OPERATORS = ['prefix', 'suffix', 'equals-ignore-case', 'wildcard'] as const;
const OPERATORS = [...TEXT_OPERATORS, 'cidr', 'anything-but', 'numeric', 'exists'] as const;
const COMPARISONS = ['=', '<', '<=', '>', '>='] as const;
type Comparison = (typeof COMPARISONS)[number];
const LOWER_BOUNDS: readonly unknown[] = ['>', '>='] satisfies Comparison[];
const UPPER_BOUNDS: readonly unknown[] = ['<', '<='] satisfies Comparison[];
const isOneOf = (list: readonly string[], value: unknown): boolean =>
  typeof value === 'string' && list.includes(value);

/** Tests the event node at one level of the pattern. */
type NodeTest = (node: unknown) => boolean;
/** Tests the leaf values found at one field (none when it is missing). */
type LeafTest = (leaves: readonly unknown[]) => boolean;
type StringTest = (value: string) => boolean;

/** Parses and validates a pattern as EventBridge does; the error names the offending path. */
export function parsePattern(text: string): EventPattern {
  let pattern: unknown;
  try {
    pattern = JSON.parse(text);
  } catch (error) {
    throw new Error(`Event pattern is not valid JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  compilePattern(pattern);
  return pattern as EventPattern;
}

/** Validates a pattern once and returns the test to run on each event. */
export function compilePattern(pattern: unknown): (event: unknown) => boolean {
  return compileObject(pattern, '');
}

export function matchesPattern(pattern: unknown, event: unknown): boolean {
  return compilePattern(pattern)(event);
}

function compileObject(pattern: unknown, path: string, insideOr = false): NodeTest {
  if (!isObject(pattern)) throw invalid(path, 'must be a JSON object of fields');
  const fields = Object.entries(pattern);
  if (fields.length === 0) throw invalid(path, 'empty objects are not allowed');
  const tests = fields.map(([field, rule]) => {
    const at = path === '' ? field : `${path}.${field}`;
    if (field === '$or') {
      if (!Array.isArray(rule) || rule.length < 2) {
        throw invalid(at, 'must be an array of at least two objects');
      }
      const branches = rule.map((branch, i) => compileObject(branch, `${at}[${i}]`, true));
      return (node: unknown) => branches.some((branch) => branch(node));
    }
    if (insideOr && isOneOf(OPERATORS, field)) {
      throw invalid(at, `"${field}" is an operator; a $or branch holds fields`);
    }
    if (Array.isArray(rule)) {
      if (rule.length === 0) throw invalid(at, 'empty arrays are not allowed');
      const matches = rule.map((value, i) => compileMatch(value, `${at}[${i}]`));
      return (node: unknown) => {
        const leaves = leafValues(fieldOf(node, field));
        return matches.some((match) => match(leaves));
      };
    }
    if (isObject(rule)) {
      const test = compileObject(rule, at, insideOr);
      return (node: unknown) => {
        const objects = flatten(fieldOf(node, field)).filter(isObject);
        return objects.length === 0 ? test(undefined) : objects.some(test);
      };
    }
    throw invalid(at, 'must be an array of match values or an object of fields');
  });
  return (node) => tests.every((test) => test(node));
}

function compileMatch(value: unknown, path: string): LeafTest {
  if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) {
    return (leaves) => leaves.includes(value);
  }
  if (!isObject(value)) {
    throw invalid(path, 'a match value is a string, number, boolean, null or an operator object');
  }
  const [operator, operand] = onlyEntry(value, path);
  const at = `${path}.${operator}`;
  switch (operator) {
    case 'exists':
      if (typeof operand !== 'boolean') throw invalid(at, 'must be true or false');
      return (leaves) => leaves.length > 0 === operand;
    case 'numeric': {
      const test = compileNumeric(operand, at);
      return (leaves) => leaves.some((leaf) => typeof leaf === 'number' && test(leaf));
    }
    case 'anything-but': {
      const excluded = compileAnythingBut(operand, at);
      return (leaves) => leaves.some((leaf) => !excluded(leaf));
    }
    default: {
      const test = compileStringMatch(operator, operand, at);
      return (leaves) => leaves.some((leaf) => typeof leaf === 'string' && test(leaf));
    }
  }
}

function compileStringMatch(operator: string, operand: unknown, path: string): StringTest {
  switch (operator) {
    case 'prefix':
    case 'suffix': {
      const affix = isObject(operand) ? onlyEntry(operand, path) : undefined;
      if (affix !== undefined && affix[0] !== 'equals-ignore-case') {
        throw invalid(`${path}.${affix[0]}`, `takes a string or {"equals-ignore-case": …}`);
      }
      const text = requireString(affix === undefined ? operand : affix[1], path);
      const fold = affix === undefined ? (s: string) => s : (s: string) => s.toLowerCase();
      const wanted = fold(text);
      return operator === 'prefix'
        ? (s) => fold(s).startsWith(wanted)
        : (s) => fold(s).endsWith(wanted);
    }
    case 'equals-ignore-case': {
      const wanted = requireString(operand, path).toLowerCase();
      return (s) => s.toLowerCase() === wanted;
    }
    case 'wildcard':
      return compileWildcard(requireString(operand, path), path);
    case 'cidr':
      return compileCidr(operand, path);
    default:
      throw invalid(path, `unknown operator; use one of ${OPERATORS.join(', ')}`);
  }
}

/** Returns the test for the values anything-but excludes. */
function compileAnythingBut(operand: unknown, path: string): (leaf: unknown) => boolean {
  if (isObject(operand)) {
    const [operator, inner] = onlyEntry(operand, path);
    const at = `${path}.${operator}`;
    if (!isOneOf(TEXT_OPERATORS, operator)) {
      throw invalid(at, `anything-but takes one of ${TEXT_OPERATORS.join(', ')}`);
    }
    const texts = Array.isArray(inner) ? inner : [inner];
    if (texts.length === 0) throw invalid(at, 'empty arrays are not allowed');
    const tests = texts.map((text, i) => {
      const where = Array.isArray(inner) ? `${at}[${i}]` : at;
      if ((operator === 'prefix' || operator === 'suffix') && text === '') {
        throw invalid(where, `an empty ${operator} would exclude everything`);
      }
      return compileStringMatch(operator, requireString(text, where), where);
    });
    // Only strings can be excluded here: numbers, booleans and null always pass.
    return (leaf) => typeof leaf === 'string' && tests.some((test) => test(leaf));
  }
  const values: readonly unknown[] = Array.isArray(operand) ? operand : [operand];
  const excluded = new Set(values);
  const allStrings = values.every((value) => typeof value === 'string');
  const allNumbers = values.every((value) => typeof value === 'number');
  if (values.length === 0 || !(allStrings || allNumbers)) {
    throw invalid(path, 'takes a string, a number, a list of strings or of numbers, or an object');
  }
  return (leaf) => excluded.has(leaf);
}

/** `[op, n]` or a range `[">" | ">=", low, "<" | "<=", high]`, as EventBridge accepts them. */
function compileNumeric(operand: unknown, path: string): (n: number) => boolean {
  if (!Array.isArray(operand) || (operand.length !== 2 && operand.length !== 4)) {
    throw invalid(path, 'must be [operator, number] or [">" or ">=", low, "<" or "<=", high]');
  }
  const [op, bound, upperOp, upperBound] = operand as unknown[];
  const lower = compileComparison(op, bound, path);
  if (operand.length === 2) return lower;
  if (!LOWER_BOUNDS.includes(op) || !UPPER_BOUNDS.includes(upperOp)) {
    throw invalid(path, 'a range is [">" or ">=", low, "<" or "<=", high]');
  }
  const upper = compileComparison(upperOp, upperBound, path);
  if (!((bound as number) < (upperBound as number))) {
    throw invalid(path, 'the lower bound must be below the upper bound');
  }
  return (n) => lower(n) && upper(n);
}

function compileComparison(op: unknown, bound: unknown, path: string): (n: number) => boolean {
  if (!isOneOf(COMPARISONS, op)) {
    throw invalid(path, `unknown comparison ${JSON.stringify(op)}; use ${COMPARISONS.join(' ')}`);
  }
  if (typeof bound !== 'number') throw invalid(path, `the value after "${op}" must be a number`);
  const tests: Record<Comparison, (n: number) => boolean> = {
    '=': (n) => n === bound,
    '<': (n) => n < bound,
    '<=': (n) => n <= bound,
    '>': (n) => n > bound,
    '>=': (n) => n >= bound,
  };
  return tests[op as Comparison];
}

/** `*` is any run of characters; `\*` is a star and `\\` a backslash; `**` is refused. */
function compileWildcard(text: string, path: string): StringTest {
  const chars = Array.from(text);
  let source = '';
  for (let i = 0; i < chars.length; i++) {
    const char = chars[i] ?? '';
    if (char === '*') {
      if (chars[i + 1] === '*') throw invalid(path, 'consecutive wildcards are not allowed');
      source += '.*';
    } else if (char === '\\') {
      const next = chars[++i];
      if (next !== '*' && next !== '\\') throw invalid(path, 'a backslash may only escape * or \\');
      source += `\\${next}`;
    } else {
      source += char.replace(/[$()*+.?[\\\]^{|}/]/g, '\\$&');
    }
  }
  const regex = new RegExp(`^${source}$`, 'su');
  return (s) => regex.test(s);
}

function compileCidr(operand: unknown, path: string): StringTest {
  const match = typeof operand === 'string' ? /^([^/]+)\/(\d{1,3})$/.exec(operand) : null;
  const address = match?.[1] ?? '';
  const family = isIP(address);
  const bits = Number(match?.[2]);
  if (family === 0 || bits > (family === 4 ? 32 : 128)) {
    throw invalid(path, 'must be an IPv4 or IPv6 range such as "10.0.0.0/24"');
  }
  const type = family === 4 ? 'ipv4' : 'ipv6';
  const range = new BlockList();
  range.addSubnet(address, bits, type);
  return (s) => isIP(s) === family && range.check(s, type);
}

function onlyEntry(value: Readonly<Record<string, unknown>>, path: string): [string, unknown] {
  const [entry, ...others] = Object.entries(value);
  if (entry === undefined || others.length > 0) throw invalid(path, 'needs exactly one operator');
  return entry;
}

function requireString(value: unknown, path: string): string {
  if (typeof value !== 'string') throw invalid(path, 'must be a string');
  return value;
}

/** Event values at a field, arrays flattened; objects are not leaves, a missing field has none. */
function leafValues(value: unknown): unknown[] {
  return flatten(value).filter((item) => !isObject(item));
}

function flatten(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value.flatMap(flatten) : [value];
}

function fieldOf(node: unknown, field: string): unknown {
  return isObject(node) && Object.hasOwn(node, field) ? node[field] : undefined;
}

function isObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(path: string, problem: string): Error {
  return new Error(`Invalid event pattern at ${path === '' ? 'the top level' : path}: ${problem}`);
}
