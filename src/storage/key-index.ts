import { checksum } from '../common/checksum.js';
import { FLAG_HAS_ATTRIBUTE } from '../protocol/payload.js';
import { isCompressedSet } from '../protocol/compressed-set.js';
import { RECORD_HEADER_SIZE } from '../protocol/record.js';

/** Bytes of a record before its attribute: the header and the attribute's length. */
const KEY_START = RECORD_HEADER_SIZE + 4;

/** A key's hash as the index keeps it (CRC-32 of its UTF-8 bytes). */
export function keyHash(key: Buffer): number {
  return checksum(key) | 0;
}

/**
 * The key (attribute bytes) of the record at `at` in `bytes`: undefined when it has none (or is a
 * compressed set, whose messages are not indexed one by one), 'short' when `bytes` ends first.
 */
export function recordKey(bytes: Buffer, at: number): Buffer | undefined | 'short' {
  if (bytes.length - at < RECORD_HEADER_SIZE) return 'short';
  const flag = bytes.readInt32BE(at + 16);
  if ((flag & FLAG_HAS_ATTRIBUTE) === 0 || isCompressedSet(flag)) return undefined;
  if (bytes.length - at < KEY_START) return 'short';
  const length = bytes.readInt32BE(at + RECORD_HEADER_SIZE);
  if (length < 0 || length > bytes.readInt32BE(at) - 4) return undefined; // not a well-formed attribute: nothing to index
  if (bytes.length - at < KEY_START + length) return 'short';
  return bytes.subarray(at + KEY_START, at + KEY_START + length);
}

/** Bytes a lookup reads to compare a stored key with one `keyLength` long. */
export function keyReadLength(keyLength: number): number {
  return KEY_START + keyLength;
}

/**
 * One segment's key index, in memory: for every record with a key (its attribute), the key's
 * hash and the record's position, eight bytes a record. A lookup walks the hashes and reads the
 * records that match to compare their keys. Fed as the segment is written, in order; a segment
 * found on disk is read from where the index stopped, the first time a lookup needs it.
 */
export class KeyIndex {
  private hashes = new Int32Array(0);
  private positions = new Uint32Array(0);
  private count = 0;
  private seenEnd = 0;

  /** Relative end of the records seen. */
  get coveredEnd(): number {
    return this.seenEnd;
  }

  /** Whole records `bytes`, written at relative `position`. Ignored unless they follow what was seen. */
  seeRecords(position: number, bytes: Buffer): void {
    if (position !== this.seenEnd) return;
    for (let at = 0; bytes.length - at >= RECORD_HEADER_SIZE; at += RECORD_HEADER_SIZE + bytes.readInt32BE(at)) {
      const key = recordKey(bytes, at);
      if (key === 'short') return; // only whole records come here; a short one ends what can be seen
      if (key !== undefined) this.add(keyHash(key), position + at);
    }
    this.seenEnd = position + bytes.length;
  }

  /** One keyed record, read back from disk. */
  see(position: number, end: number, key: Buffer | undefined): void {
    if (position !== this.seenEnd) return;
    if (key !== undefined) this.add(keyHash(key), position);
    this.seenEnd = end;
  }

  private add(hash: number, position: number): void {
    if (this.count === this.hashes.length) {
      const size = Math.max(1024, this.count * 2);
      const hashes = new Int32Array(size);
      hashes.set(this.hashes);
      const positions = new Uint32Array(size);
      positions.set(this.positions);
      this.hashes = hashes;
      this.positions = positions;
    }
    this.hashes[this.count] = hash;
    this.positions[this.count] = position;
    this.count += 1;
  }

  /** Positions of the records whose key has this hash, oldest first (a hash may be shared: compare the keys). */
  positionsOf(hash: number): number[] {
    const found: number[] = [];
    for (let n = 0; n < this.count; n += 1) if (this.hashes[n] === hash) found.push(this.positions[n]!);
    return found;
  }

  /** The segment was cut back before the end of what was seen: read it again when needed. */
  truncate(position: number): void {
    if (position >= this.seenEnd) return;
    this.hashes = new Int32Array(0);
    this.positions = new Uint32Array(0);
    this.count = 0;
    this.seenEnd = 0;
  }
}
