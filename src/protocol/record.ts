import { checksum } from '../common/checksum.js';

/** Bytes before the payload in every record: msgLen, checksum, msgId, flag (docs/protocol.md, message format). */
export const RECORD_HEADER_SIZE = 20;

export interface RecordView {
  /** Position of the record inside the buffer it was read from. */
  position: number;
  /** Whole record size, header included. */
  size: number;
  checksum: number;
  id: bigint;
  flag: number;
  payload: Buffer;
}

/** Write a record header at `pos` in `target`. */
export function writeRecordHeader(target: Buffer, pos: number, payloadLength: number, crc: number, id: bigint, flag: number): void {
  target.writeInt32BE(payloadLength, pos);
  target.writeInt32BE(crc, pos + 4);
  target.writeBigInt64BE(id, pos + 8);
  target.writeInt32BE(flag, pos + 16);
}

/** One record as a fresh buffer (tests and tools; the log builds records in batches). */
export function encodeRecord(payload: Buffer, id: bigint, flag: number): Buffer {
  const record = Buffer.allocUnsafe(RECORD_HEADER_SIZE + payload.length);
  writeRecordHeader(record, 0, payload.length, checksum(payload), id, flag);
  payload.copy(record, RECORD_HEADER_SIZE);
  return record;
}

/**
 * Iterate the complete records of a message set. A trailing partial record is ignored, exactly
 * as MetaQ clients do (docs/protocol.md, message format). Checksums are not verified here; see `isRecordIntact`.
 */
export function* iterateRecords(set: Buffer): Generator<RecordView> {
  for (let pos = 0, size = completeRecordSize(set, 0); size > 0; pos += size, size = completeRecordSize(set, pos)) yield readRecord(set, pos, size);
}

/** Size of the complete record at `pos` (header only, no checksum), or 0 when none is there. */
export function completeRecordSize(set: Buffer, pos: number): number {
  if (set.length - pos < RECORD_HEADER_SIZE) return 0;
  const length = set.readInt32BE(pos);
  return length < 0 || set.length - pos - RECORD_HEADER_SIZE < length ? 0 : RECORD_HEADER_SIZE + length;
}

/** The record of `size` bytes at `pos` (from completeRecordSize); the payload is not copied. */
export function readRecord(set: Buffer, pos: number, size: number): RecordView {
  return {
    position: pos,
    size,
    checksum: set.readInt32BE(pos + 4),
    id: set.readBigInt64BE(pos + 8),
    flag: set.readInt32BE(pos + 16),
    payload: set.subarray(pos + RECORD_HEADER_SIZE, pos + size),
  };
}

/** Bytes of the complete records at the start of a message set (headers only; no checksums). */
export function completeLength(set: Buffer): number {
  let pos = 0;
  for (let size = completeRecordSize(set, 0); size > 0; size = completeRecordSize(set, pos)) pos += size;
  return pos;
}

export function isRecordIntact(record: RecordView): boolean {
  return checksum(record.payload) === record.checksum;
}

/**
 * Size of the record starting at `pos` if its header is sane, it is complete within `end` and
 * its checksum matches; otherwise 0. The building block of recovery and read verification.
 * An all-zero header is not a record: 20 zero bytes would pass the checksum (CRC of nothing is
 * 0), and a zero-filled tail is what some file systems leave after a power cut. Brokers never
 * assign message id 0.
 */
export function validRecordSize(buf: Buffer, pos: number, end = buf.length): number {
  if (end - pos < RECORD_HEADER_SIZE) return 0;
  const length = buf.readInt32BE(pos);
  if (length < 0 || end - pos - RECORD_HEADER_SIZE < length) return 0;
  if (length === 0 && buf.readBigInt64BE(pos + 8) === 0n && buf.readInt32BE(pos + 4) === 0) return 0;
  const payload = buf.subarray(pos + RECORD_HEADER_SIZE, pos + RECORD_HEADER_SIZE + length);
  return checksum(payload) === buf.readInt32BE(pos + 4) ? RECORD_HEADER_SIZE + length : 0;
}
