import { crc32 } from 'node:zlib';
import { checksum } from '../../common/checksum.js';
import { iterateRecords, RECORD_HEADER_SIZE, writeRecordHeader } from '../../protocol/record.js';
import type { BatchRecord } from '../../storage/log-append.js';
import type { PartitionStore } from '../../storage/partition-store.js';
import type { BatchLocation } from '../../storage/tx-journal-codec.js';
import type { TransactionMessage } from './transaction.js';

/** One partition's share of a committing transaction, appended as one contiguous batch. */
export interface PartitionBatch {
  log: PartitionStore;
  records: BatchRecord[];
  /** What the commit record says about it; the offset is a hint `-(n + 1)` until placed. */
  location: BatchLocation;
}

/** Bytes a batch takes in the log. */
export function batchBytes(batch: PartitionBatch): number {
  return batch.records.reduce((sum, record) => sum + RECORD_HEADER_SIZE + record.payload.length, 0);
}

export function partitionBatch(log: PartitionStore, name: string, messages: readonly TransactionMessage[]): PartitionBatch {
  const records = messages.map(({ payload, flag, id, checksum: crc }) => ({ payload, flag, id, checksum: crc }));
  // CRC of the records exactly as the log will hold them (what recovery checks the batch
  // against), computed piece by piece: payload checksums are known, nothing is copied.
  const header = Buffer.allocUnsafe(RECORD_HEADER_SIZE);
  let crc = 0;
  let length = 0;
  for (const record of records) {
    writeRecordHeader(header, 0, record.payload.length, record.checksum, record.id, record.flag);
    crc = crc32(record.payload, crc32(header, crc));
    length += RECORD_HEADER_SIZE + record.payload.length;
  }
  return { log, records, location: { offset: -(log.writtenEnd + 1), length, checksum: crc & 0x7fffffff, partition: name } };
}

export function appendBatch(log: PartitionStore, records: readonly BatchRecord[]): Promise<number> {
  return new Promise((resolve, reject) => log.append({ kind: 'batch', records, done: (error, offset) => (error ? reject(error) : resolve(offset)) }));
}

/** Where a committed batch stands in its log after a restart. */
export type BatchState = { state: 'present' } | { state: 'torn'; cutAt: number } | { state: 'missing' };

/**
 * Recovery's check of one committed batch (docs/transactions.md): intact where the commit record says (or gone
 * to retention), torn at the tail by a crash mid-write (cut it and append again), or missing.
 * A batch still holding its hint is found by scanning from the hint for its first message id.
 */
export async function checkCommittedBatch(log: PartitionStore, location: BatchLocation, firstId: bigint): Promise<BatchState> {
  const start = location.offset >= 0 ? location.offset : await findRecord(log, -location.offset - 1, firstId);
  if (start === undefined || start >= log.writtenEnd) return { state: 'missing' };
  if (start < log.minOffset) return { state: 'present' };
  const found = await readUpTo(log, start, location.length);
  if (found.length === location.length && checksum(found) === location.checksum) return { state: 'present' };
  if (start + found.length >= log.writtenEnd) return { state: 'torn', cutAt: start };
  return { state: 'missing' };
}

async function readUpTo(log: PartitionStore, offset: number, length: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let at = offset;
  while (at < offset + length && at < log.writtenEnd) {
    const part = await log.read(at, offset + length - at);
    if (part.length === 0) break;
    parts.push(part);
    at += part.length;
  }
  return Buffer.concat(parts);
}

/** Offset of the record with message id `id` at or after `from`, if any. */
async function findRecord(log: PartitionStore, from: number, id: bigint): Promise<number | undefined> {
  let at = Math.max(from, log.minOffset);
  let chunk = 1024 * 1024;
  while (at < log.writtenEnd) {
    const buf = await log.read(at, chunk);
    let consumed = 0;
    for (const record of iterateRecords(buf)) {
      if (record.id === id) return at + record.position;
      consumed = record.position + record.size;
    }
    if (consumed === 0) {
      if (buf.length < RECORD_HEADER_SIZE || buf.length >= RECORD_HEADER_SIZE + buf.readInt32BE(0)) return undefined; // a torn tail
      chunk = RECORD_HEADER_SIZE + buf.readInt32BE(0); // one record bigger than the chunk
      continue;
    }
    at += consumed;
  }
  return undefined;
}
