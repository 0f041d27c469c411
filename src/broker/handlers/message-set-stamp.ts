import { IdBlockWriter } from '../../common/id-generator.js';
import { innerCount, isCompressedSet } from '../../protocol/compressed-set.js';
import { RECORD_HEADER_SIZE, validRecordSize } from '../../protocol/record.js';

/** The largest number of messages one compressed record may claim (it reserves that many ids). */
const MAX_INNER_MESSAGES = 1_000_000;

/**
 * Check that `set` is exactly `count` whole records with good checksums and write each one's id
 * into it; a reason when it is not. A compressed set (one record holding many messages) takes
 * as many ids as it holds messages, so the n-th id after the first belongs to the n-th message
 * of the whole set, compressed or not (`idAfter`).
 */
export function stampSet(set: Buffer, count: number, takeIds: (count: number) => bigint): StampedSet | string {
  const checked = checkSet(set, count);
  if (typeof checked === 'string') return checked;
  const first = takeIds(checked.messages);
  const writer = new IdBlockWriter(first);
  // Ids are stamped in place: the set goes to disk as it arrived, with no per-record copy.
  for (let n = 0, at = 0; at < set.length; at += RECORD_HEADER_SIZE + set.readInt32BE(at)) {
    writer.write(set, at + 8, n);
    n += isCompressedSet(set.readInt32BE(at + 16)) ? innerCount(set.subarray(at + RECORD_HEADER_SIZE)) : 1;
  }
  return { firstId: first, ...checked, latestTimeMs: writer.timeMsOf(checked.messages - 1) };
}

/** A stamped set: its first id, how many messages it holds (compressed ones count each) and their payload bytes. */
export interface StampedSet {
  firstId: bigint;
  messages: number;
  payloadBytes: number;
  /** The largest record's payload (a compressed set's, compressed). */
  largestPayload: number;
  latestTimeMs: number;
}

/** Check that `set` is exactly `count` whole records with good checksums; a reason when it is not. */
export function checkSet(set: Buffer, count: number): { messages: number; payloadBytes: number; largestPayload: number } | string {
  let pos = 0;
  let records = 0;
  let payloadBytes = 0;
  let largestPayload = 0;
  let ids = 0;
  while (pos < set.length) {
    const size = validRecordSize(set, pos);
    if (size === 0) return `record ${records} at byte ${pos} is incomplete or fails its checksum; nothing of this set was stored`;
    if (isCompressedSet(set.readInt32BE(pos + 16))) {
      const inner = innerCount(set.subarray(pos + RECORD_HEADER_SIZE, pos + size));
      if (inner < 1 || inner > MAX_INNER_MESSAGES)
        return `record ${records} is a compressed set claiming ${inner} messages (1 to ${MAX_INNER_MESSAGES}); nothing of this set was stored`;
      ids += inner;
    } else ids += 1;
    records += 1;
    payloadBytes += size - RECORD_HEADER_SIZE;
    largestPayload = Math.max(largestPayload, size - RECORD_HEADER_SIZE);
    pos += size;
  }
  if (records !== count) return `the header says ${count} records but the body holds ${records}; nothing of this set was stored`;
  return { messages: ids, payloadBytes, largestPayload };
}
