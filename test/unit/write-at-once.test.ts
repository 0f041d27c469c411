import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeRecord } from '../../src/protocol/record.js';
import { MemoryFileIO } from '../../src/storage/io/memory-file-io.js';
import type { PartitionLog } from '../../src/storage/partition-log.js';
import { openLog, scanAll } from '../support/storage-harness.js';

/** A framed set of `count` records of `size` bytes, ids from `firstId`. */
function framedSet(count: number, size: number, firstId: number): Buffer {
  return Buffer.concat(Array.from({ length: count }, (_, n) => encodeRecord(Buffer.alloc(size, n), BigInt(firstId + n), 0)));
}

function appended(log: PartitionLog, set: Buffer, records: number): Promise<number> {
  return new Promise((resolve, reject) => log.append({ kind: 'framed', set, records, done: (error, offset) => (error ? reject(error) : resolve(offset)) }));
}

describe('framed sets written at once', () => {
  it('starts the write of a large set when it is queued, and a small one at the end of the turn', async () => {
    const io = new MemoryFileIO();
    const log = await openLog(io, { unflushThreshold: 1000 });
    const writes: number[] = [];
    io.faults = (op) => {
      if (op.type === 'write' && op.path.endsWith('.meta')) writes.push(op.length!);
      return undefined;
    };
    const small = framedSet(10, 100, 1);
    const smallStored = appended(log, small, 10);
    assert.deepEqual(writes, [], 'a small set waits for the appends of the rest of the turn');
    await smallStored;
    await log.whenWritten(); // the writer is idle again
    assert.deepEqual(writes, [small.length]);

    // Two large sets read in one turn: the first goes at once, the second after it.
    const first = framedSet(100, 1000, 11);
    const second = framedSet(100, 1000, 111);
    const stored = [appended(log, first, 100), appended(log, second, 100)];
    assert.deepEqual(writes, [small.length, first.length], 'the first large set is being written before the turn ends');
    const [firstOffset, secondOffset] = await Promise.all(stored);
    assert.equal(firstOffset, small.length);
    assert.equal(secondOffset, small.length + first.length);
    assert.deepEqual(writes, [small.length, first.length, second.length]);
    const records = await scanAll(log);
    assert.equal(records.length, 210);
    assert.ok(records.every((record) => record.intact));
    await log.close();
  });
});
