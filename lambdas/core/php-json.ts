/**
 * PHP's default `json_encode` (no flags, `serialize_precision = -1`), for vendors that sign the
 * PHP encoding of a value (Treezor). Checked against PHP 8.2's own output.
 *
 * Limits that come from starting with a `JSON.parse` result rather than the sender's data:
 * - integer-like keys (`{"2":"a","1":"b"}`) come out in JavaScript's order (`1` first), not
 *   in the order received;
 * - `1.0` arrives as `1`, and integers beyond 2^53 have already lost digits;
 * - an integer-valued number is written as an integer, since PHP's own decoder would have made
 *   it an `int` (a float written `1e17` is `1.0e+17` in PHP, but JSON.parse cannot tell them apart).
 * That is why a signature is checked over the raw text first and over this encoding second.
 */

/** PHP's default `json_encode` depth: deeper arrays/objects make it fail. */
export const PHP_JSON_MAX_DEPTH = 512;

/**
 * The PHP encoding of a JSON value. Throws `TypeError` for values JSON cannot hold and
 * `RangeError` past PHP's depth limit (PHP itself would return `false`).
 */
export function phpJsonEncode(value: unknown): string {
  return encodeValue(value, 0);
}

function encodeValue(value: unknown, depth: number): string {
  if (value === null) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  if (typeof value === 'string') return encodeString(value);
  if (typeof value === 'number') return encodeNumber(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'object' && depth >= PHP_JSON_MAX_DEPTH) {
    throw new RangeError(`phpJsonEncode: nesting deeper than ${PHP_JSON_MAX_DEPTH}`);
  }
  if (Array.isArray(value)) {
    return `[${value.map((item: unknown) => encodeValue(item, depth + 1)).join(',')}]`;
  }
  if (typeof value === 'object') {
    const members = Object.entries(value).map(
      ([key, item]) => `${encodeString(key)}:${encodeValue(item, depth + 1)}`,
    );
    return `{${members.join(',')}}`;
  }
  throw new TypeError(`phpJsonEncode: a ${typeof value} has no JSON encoding`);
}

/** PHP's short escapes; every other control character is written `\u00XX`. */
const SHORT_ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"',
  '\\': '\\\\',
  '/': '\\/',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

function encodeString(value: string): string {
  let out = '"';
  for (let i = 0; i < value.length; i += 1) {
    const char = value.charAt(i);
    const code = value.charCodeAt(i);
    const short = SHORT_ESCAPES[char];
    if (short !== undefined) out += short;
    // PHP writes 0x7F (DEL) as is; everything else outside printable ASCII is escaped, one
    // `\uXXXX` per UTF-16 code unit, so an emoji becomes its surrogate pair.
    else if (code < 0x20 || code > 0x7f) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += char;
  }
  return `${out}"`;
}

const INT64_LIMIT = 2 ** 63;

function encodeNumber(value: number): string {
  if (!Number.isFinite(value)) throw new TypeError('phpJsonEncode: a non-finite number');
  // Below 2^63 PHP decodes an integer literal as an `int` and prints its digits; JavaScript's
  // shortest digits, zero-padded, are those digits whenever the double held them exactly.
  if (Number.isInteger(value) && Math.abs(value) < INT64_LIMIT) return String(value);
  return encodeDouble(value);
}

/**
 * PHP's `zend_gcvt` with 17 significant digits in "shortest round-trip" mode: plain notation
 * while the decimal point sits between 4 places left and 17 places right of the first digit,
 * otherwise `d.ddde±x` with at least one fractional digit (`1.0e+25`).
 */
function encodeDouble(value: number): string {
  const [mantissa = '', exponentText = '0'] = Math.abs(value).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const exponent = Number(exponentText);
  const sign = value < 0 ? '-' : '';
  const pointAt = exponent + 1;
  if (pointAt < -3 || pointAt > 17) {
    const fraction = digits.slice(1) || '0';
    return `${sign}${digits.charAt(0)}.${fraction}e${exponent < 0 ? '-' : '+'}${Math.abs(exponent)}`;
  }
  if (pointAt <= 0) return `${sign}0.${'0'.repeat(-pointAt)}${digits}`;
  if (pointAt >= digits.length) return `${sign}${digits}${'0'.repeat(pointAt - digits.length)}`;
  return `${sign}${digits.slice(0, pointAt)}.${digits.slice(pointAt)}`;
}
