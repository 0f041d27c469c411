import { ProtocolError } from '../common/errors.js';
import { LONG_MAX_OFFSET } from './commands.js';

const DECIMAL = /^-?[0-9]+$/;

/** `^-?[0-9]+$` without a regular expression: every put header has four such tokens. */
function isDecimalInt(token: string): boolean {
  const length = token.length;
  let i = token.charCodeAt(0) === 45 ? 1 : 0; // '-'
  if (i === length || length - i > 10) return false; // more than 10 digits cannot be an int
  for (; i < length; i += 1) {
    const c = token.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}
const INT_MIN = -2147483648;
const INT_MAX = 2147483647;
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

/** Java's Integer.parseInt: optional '-', decimal digits, 32-bit range. No '+', spaces or hex. */
export function parseJavaInt(token: string | undefined, field: string): number {
  if (token === undefined || !isDecimalInt(token)) {
    if (token !== undefined && DECIMAL.test(token)) throw new ProtocolError(`${field} ${token} does not fit in a 32-bit int`);
    throw new ProtocolError(`${field} must be a decimal int, got ${JSON.stringify(token)}`);
  }
  const value = Number(token);
  if (value < INT_MIN || value > INT_MAX) throw new ProtocolError(`${field} ${token} does not fit in a 32-bit int`);
  return value;
}

/** Java's Long.parseLong as a bigint (for message ids). */
export function parseJavaLong(token: string | undefined, field: string): bigint {
  if (token === undefined || !DECIMAL.test(token)) throw new ProtocolError(`${field} must be a decimal long, got ${JSON.stringify(token)}`);
  const value = BigInt(token);
  if (value < LONG_MIN || value > LONG_MAX) throw new ProtocolError(`${field} ${token} does not fit in a 64-bit long`);
  return value;
}

/**
 * A long used as a byte offset, as a number. Long.MAX_VALUE (the "newest" marker) becomes
 * LONG_MAX_OFFSET; any other value past 2^53 is beyond every log and is clamped to
 * MAX_SAFE_INTEGER, which the broker answers exactly as it would the original value.
 */
export function parseJavaOffset(token: string | undefined, field: string): number {
  if (token !== undefined && token.length < 16 && DECIMAL.test(token)) return Number(token);
  const value = parseJavaLong(token, field);
  if (value === LONG_MAX) return LONG_MAX_OFFSET;
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) return Number.MAX_SAFE_INTEGER;
  if (value < BigInt(Number.MIN_SAFE_INTEGER)) return Number.MIN_SAFE_INTEGER;
  return Number(value);
}
