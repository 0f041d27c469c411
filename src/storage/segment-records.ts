import { RECORD_HEADER_SIZE } from '../protocol/record.js';
import type { Segment } from './segment.js';

/** Bytes read from a segment at a time when walking its records. */
const WINDOW_BYTES = 1024 * 1024;

/** A whole record found in a segment: `bytes[at]` is its header, which `bytes` always holds. */
export interface RecordInWindow {
  /** Relative position of the record in the segment. */
  position: number;
  /** Header and payload. */
  size: number;
  /** The window read; the record's payload may run past its end. */
  bytes: Buffer;
  at: number;
}

/**
 * Every whole record of [from, to) of a segment, oldest first, read in windows of 1 MiB (the
 * rebuilding of in-memory indexes). Stops at a torn or damaged tail. Each window is read afresh,
 * so a caller may keep `bytes` of a record it is given.
 */
export async function* recordsOf(segment: Segment, from: number, to: number): AsyncGenerator<RecordInWindow> {
  let pos = from;
  while (to - pos >= RECORD_HEADER_SIZE) {
    const window = Buffer.allocUnsafe(Math.min(WINDOW_BYTES, to - pos));
    const n = await segment.readAt(window, window.length, pos);
    const bytes = window.subarray(0, n);
    let at = 0;
    while (n - at >= RECORD_HEADER_SIZE) {
      const size = RECORD_HEADER_SIZE + bytes.readInt32BE(at);
      if (size < RECORD_HEADER_SIZE || pos + at + size > to) return;
      yield { position: pos + at, size, bytes, at };
      at += size;
    }
    if (at === 0) return; // nothing readable here
    pos += at; // a record may end past the window: the next window starts after it
  }
}
