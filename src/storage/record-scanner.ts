import { RECORD_HEADER_SIZE, validRecordSize } from '../protocol/record.js';
import type { IoFile } from './io/file-io.js';

const WINDOW = 4 * 1024 * 1024;

export interface ScanOutcome {
  /** Relative position where scanning stopped: the end of the last intact record. */
  end: number;
  records: number;
  /** Why it stopped before `to`: an incomplete record, or one that fails its checksum. */
  stoppedBy: 'end' | 'incomplete' | 'corrupt';
}

/** Read [from, to) of a file, or less if the file is shorter. */
async function readRange(file: IoFile, from: number, to: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(to - from);
  const n = await file.read(buf, 0, buf.length, from);
  return buf.subarray(0, n);
}

/**
 * Walk records from relative position `from` towards `to`, verifying each checksum, reading the
 * file in windows. Stops at the first record that is incomplete (it would end past `to`) or
 * corrupt (negative length or checksum mismatch).
 */
export async function scanRecords(file: IoFile, from: number, to: number): Promise<ScanOutcome> {
  let pos = from;
  let records = 0;
  while (pos < to) {
    if (to - pos < RECORD_HEADER_SIZE) return { end: pos, records, stoppedBy: 'incomplete' };
    let window = await readRange(file, pos, Math.min(to, pos + WINDOW));
    const first = window.readInt32BE(0);
    if (first < 0) return { end: pos, records, stoppedBy: 'corrupt' };
    if (pos + RECORD_HEADER_SIZE + first > to) return { end: pos, records, stoppedBy: 'incomplete' };
    if (RECORD_HEADER_SIZE + first > window.length) window = await readRange(file, pos, pos + RECORD_HEADER_SIZE + first);
    let at = 0;
    while (at < window.length) {
      const size = validRecordSize(window, at);
      if (size === 0) break;
      at += size;
      records += 1;
    }
    if (at === 0) return { end: pos, records, stoppedBy: 'corrupt' };
    pos += at;
  }
  return { end: pos, records, stoppedBy: 'end' };
}

/**
 * After corruption at `from`, find where intact records resume: the first later position that
 * holds an intact record followed by another intact record or the end of the range. Returns
 * `to` when nothing intact follows.
 */
export async function findNextIntactRecord(file: IoFile, from: number, to: number): Promise<number> {
  const buf = await readRange(file, from, to);
  for (let at = 1; at + RECORD_HEADER_SIZE <= buf.length; at += 1) {
    const size = validRecordSize(buf, at);
    if (size === 0) continue;
    if (at + size === buf.length || validRecordSize(buf, at + size) > 0) return from + at;
  }
  return from + buf.length;
}
