import { LONG_MAX_OFFSET } from '../commands.js';

/** A header line as bytes, CRLF included. */
export function line(text: string): Buffer {
  return Buffer.from(`${text}\r\n`, 'utf8');
}

/** A header line and its body as two buffers, for one writev without copying (no body: the line alone). */
export function framed(header: string, body: Buffer): Buffer[] {
  return body.length === 0 ? [line(header)] : [line(header), body];
}

/** Offsets as Java longs: the "newest" marker goes out as Long.MAX_VALUE exactly. */
export function offsetText(offset: number): string {
  return offset === LONG_MAX_OFFSET ? '9223372036854775807' : String(offset);
}
