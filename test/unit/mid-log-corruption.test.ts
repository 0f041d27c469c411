import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StorageError } from '../../src/common/errors.js';
import { MemoryFileIO } from '../../src/storage/io/memory-file-io.js';
import { parseSegmentFileName } from '../../src/storage/segment-name.js';
import { appendPayload, DIR, openLog, scanAll } from '../support/storage-harness.js';

async function flipBit(io: MemoryFileIO, path: string, position: number): Promise<void> {
  const file = await io.open(path, 'write');
  const byte = Buffer.alloc(1);
  await file.read(byte, 0, 1, position);
  byte[0] = byte[0]! ^ 0x10;
  await file.write(byte, position);
  await file.close();
}

async function segmentSizes(io: MemoryFileIO): Promise<number[]> {
  const names = (await io.list(DIR)).filter((n) => parseSegmentFileName(n) !== undefined);
  return Promise.all(names.map(async (n) => (await io.stat(`${DIR}/${n}`))!.size));
}

async function readAround(log: Awaited<ReturnType<typeof openLog>>, offsets: number[], badIndex: number): Promise<void> {
  // Everything before the bad record reads fine; the bad record is refused; everything after reads fine.
  const before = await scanAll(log, offsets[0]).catch((error: unknown) => error);
  assert.ok(before instanceof StorageError || Array.isArray(before));
  await assert.rejects(log.read(offsets[badIndex]!, 4096), (error: unknown) => error instanceof StorageError && error.code === 'STORAGE_CORRUPT');
  const after = await scanAll(log, offsets[badIndex + 1]);
  assert.deepEqual(
    after.map((r) => r.offset),
    offsets.slice(badIndex + 1),
  );
  assert.ok(after.every((r) => r.intact));
  const head = await log.read(offsets[0]!, offsets[badIndex]! - offsets[0]! + 4096);
  assert.ok(head.length <= offsets[badIndex]! - offsets[0]!, 'a read is cut short before the corrupt range');
}

describe('P5 mid-log corruption', () => {
  it('a bit flip in a sealed segment is detected, refused, and later data stays readable', async () => {
    const io = new MemoryFileIO();
    let log = await openLog(io, { maxSegmentSize: 400 });
    const offsets: number[] = [];
    for (let i = 0; i < 60; i += 1) offsets.push(await appendPayload(log, i));
    await log.close();
    const sizesBefore = await segmentSizes(io);
    const bad = 5;
    const sealedStart = log.sealedSegments()[0]!.start;
    await flipBit(io, `${DIR}/${String(sealedStart).padStart(20, '0')}.meta`, offsets[bad]! - sealedStart + 22);
    log = await openLog(io, { maxSegmentSize: 400 });
    await readAround(log, offsets, bad);
    assert.deepEqual(log.corruptRanges, [{ start: offsets[bad], end: offsets[bad + 1] }]);
    assert.deepEqual(await segmentSizes(io), sizesBefore, 'nothing truncated');
    await log.close();
  });

  it('a bit flip before the flushed end of the active segment is reported, not truncated', async () => {
    const io = new MemoryFileIO();
    let log = await openLog(io);
    const offsets: number[] = [];
    for (let i = 0; i < 20; i += 1) offsets.push(await appendPayload(log, i));
    const end = log.writtenEnd;
    await log.close();
    const bad = 8;
    await flipBit(io, `${DIR}/${'0'.repeat(20)}.meta`, offsets[bad]! + 23);
    log = await openLog(io);
    assert.equal(log.recovery.truncatedBytes, 0);
    assert.deepEqual(log.recovery.corrupt, [{ start: offsets[bad], end: offsets[bad + 1] }]);
    assert.equal(log.writtenEnd, end, 'no truncation of later data');
    await readAround(log, offsets, bad);
    assert.equal(await appendPayload(log, 100), end);
    await log.close();
  });
});
