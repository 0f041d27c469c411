import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StorageError } from '../../src/common/errors.js';
import { iterateRecords } from '../../src/protocol/record.js';
import { MemoryFileIO } from '../../src/storage/io/memory-file-io.js';
import { segmentFileName } from '../../src/storage/segment-name.js';
import { appendPayload, DIR, openLog, payloadFor } from '../support/storage-harness.js';

/** Where each field of a stored record starts (MetaQ's 20-byte header, then the payload). */
const FIELDS = { length: 0, checksum: 4, id: 8, flag: 16, payload: 20 } as const;
const BAD = 5;

/**
 * Write records into sealed segments, flip one bit of one field of record BAD while the broker
 * is stopped, reopen and read that record: the refusal, or what it now reads as.
 */
async function flipAndRead(field: keyof typeof FIELDS): Promise<{ refused: true } | { refused: false; id: bigint; flag: number; payload: string }> {
  const io = new MemoryFileIO();
  let log = await openLog(io, { maxSegmentSize: 400 });
  const offsets: number[] = [];
  for (let i = 0; i < 60; i += 1) offsets.push(await appendPayload(log, i));
  const [sealed, next] = log.sealedSegments();
  assert.ok(sealed !== undefined && next !== undefined && offsets[BAD + 1]! <= next.start, 'the damaged record is in a sealed segment');
  await log.close();
  const file = await io.open(`${DIR}/${segmentFileName(sealed.start)}`, 'write');
  const position = offsets[BAD]! - sealed.start + FIELDS[field] + 3; // the field's fourth byte: a low bit of a length, a checksum, an id's high half, a flag
  const byte = Buffer.alloc(1);
  await file.read(byte, 0, 1, position);
  byte[0] = byte[0]! ^ 0x01;
  await file.write(byte, position);
  await file.close();
  log = await openLog(io, { maxSegmentSize: 400 });
  try {
    const bytes = await log.read(offsets[BAD]!, 4096);
    const [record] = [...iterateRecords(bytes)];
    assert.ok(record !== undefined, 'the record reads whole');
    return { refused: false, id: record.id, flag: record.flag, payload: record.payload.toString() };
  } catch (error) {
    if (error instanceof StorageError && error.code === 'STORAGE_CORRUPT') return { refused: true };
    throw error;
  } finally {
    await log.close();
  }
}

// What MetaQ's record format lets a broker detect in sealed data: its checksum is a CRC-32 of the payload alone.
describe("damage to stored record headers (a limit of MetaQ's format)", () => {
  for (const field of ['payload', 'checksum', 'length'] as const) {
    it(`a flipped bit in the ${field} is detected and the record refused`, async () => {
      assert.deepEqual(await flipAndRead(field), { refused: true });
    });
  }

  it('a flipped bit in the message id is NOT detected: the record is served with another id', async () => {
    const read = await flipAndRead('id');
    assert.equal(read.refused, false);
    assert.ok(!read.refused && read.id !== BigInt(BAD + 1) && read.payload === payloadFor(BAD).toString());
  });

  it('a flipped bit in the flag is NOT detected: the record is served with another flag', async () => {
    const read = await flipAndRead('flag');
    assert.ok(!read.refused && read.flag !== 0 && read.payload === payloadFor(BAD).toString());
  });
});
