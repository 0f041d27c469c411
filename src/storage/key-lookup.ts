import { RECORD_HEADER_SIZE } from '../protocol/record.js';
import type { KeyIndex } from './key-index.js';
import { keyHash, keyReadLength, recordKey } from './key-index.js';
import type { Segment } from './segment.js';
import { recordsOf } from './segment-records.js';

/**
 * Offsets below `visibleEnd` of the messages in `segments` whose key (attribute) is `key`,
 * oldest first, the newest `limit` of them. Compressed sets are not looked in.
 */
export async function offsetsForKey(segments: readonly Segment[], key: string, limit: number, visibleEnd: number): Promise<number[]> {
  const wanted = Buffer.from(key, 'utf8');
  const hash = keyHash(wanted);
  const found: number[] = [];
  for (const segment of segments) {
    const index = await keyIndexOf(segment);
    for (const position of index.positionsOf(hash)) {
      if (segment.start + position >= visibleEnd) break;
      const head = Buffer.allocUnsafe(keyReadLength(wanted.length));
      const n = await segment.readAt(head, head.length, position);
      const stored = recordKey(head.subarray(0, n), 0);
      if (stored instanceof Buffer && stored.equals(wanted)) found.push(segment.start + position);
    }
  }
  return found.slice(-limit);
}

/** The segment's key index, after reading whatever its writes did not show it. */
async function keyIndexOf(segment: Segment): Promise<KeyIndex> {
  const index = segment.keyIndex;
  for await (const { position, size, bytes, at } of recordsOf(segment, index.coveredEnd, segment.size)) {
    let key = recordKey(bytes, at);
    if (key === 'short') key = await keyReadAt(segment, position, size); // the key runs past the window
    if (key === 'short') return index;
    index.see(position, position + size, key);
  }
  return index;
}

/** The key of the record at `position`, read on its own: first its length, then the key. */
async function keyReadAt(segment: Segment, position: number, size: number): Promise<Buffer | undefined | 'short'> {
  const read = async (length: number): Promise<Buffer> => {
    const head = Buffer.allocUnsafe(Math.min(size, length));
    const n = await segment.readAt(head, head.length, position);
    return head.subarray(0, n);
  };
  const start = await read(keyReadLength(0));
  const key = recordKey(start, 0);
  return key === 'short' && start.length >= RECORD_HEADER_SIZE + 4 ? recordKey(await read(keyReadLength(start.readInt32BE(RECORD_HEADER_SIZE))), 0) : key;
}
