import pino from 'pino';
import { checksum } from '../../src/common/checksum.js';
import type { FileIO } from '../../src/storage/io/file-io.js';
import type { PartitionLogOptions } from '../../src/storage/partition-log.js';
import { PartitionLog } from '../../src/storage/partition-log.js';
import { iterateRecords, isRecordIntact } from '../../src/protocol/record.js';
import type { ReadRecord } from './history-checker.js';
import { appendRecord } from '../../src/storage/append-promise.js';

export const silentLogger = pino({ level: 'silent' });
export const DIR = '/data/topic-0';

export function openLog(io: FileIO, options: Partial<PartitionLogOptions> = {}): Promise<PartitionLog> {
  return PartitionLog.open({ dir: DIR, io, logger: silentLogger, unflushThreshold: 0, unflushInterval: 10_000, maxSegmentSize: 1024 * 1024, ...options });
}

/** A distinct payload per sequence number, of varying length. */
export function payloadFor(seq: number): Buffer {
  return Buffer.from(`msg-${seq}-${'x'.repeat(seq % 37)}`);
}

export function appendPayload(log: PartitionLog, seq: number): Promise<number> {
  const payload = payloadFor(seq);
  return appendRecord(log, payload, 0, BigInt(seq + 1), checksum(payload));
}

/** Read every record from minOffset to the written end. Throws on a refused (corrupt) range. */
export async function scanAll(log: PartitionLog, from = log.minOffset): Promise<ReadRecord[]> {
  const out: ReadRecord[] = [];
  let offset = from;
  while (offset < log.writtenEnd) {
    const bytes = await log.read(offset, 64 * 1024);
    let advanced = 0;
    for (const record of iterateRecords(bytes)) {
      out.push({ partition: 0, offset: offset + record.position, size: record.size, payload: record.payload.toString(), intact: isRecordIntact(record) });
      advanced = record.position + record.size;
    }
    if (advanced === 0) throw new Error(`no whole record at ${offset}`);
    offset += advanced;
  }
  return out;
}
