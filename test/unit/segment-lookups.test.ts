import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checksum } from '../../src/common/checksum.js';
import { encodePayload } from '../../src/protocol/payload.js';
import { RECORD_HEADER_SIZE } from '../../src/protocol/record.js';
import { MemoryFileIO } from '../../src/storage/io/memory-file-io.js';
import type { PartitionLog } from '../../src/storage/partition-log.js';
import { openLog } from '../support/storage-harness.js';
import { appendRecord } from '../../src/storage/append-promise.js';

const EPOCH_MS = 1303895660503;
const T0 = Date.parse('2026-11-24T10:00:00Z');
const MIB = 1024 * 1024;
const LONG_KEY = 'L'.repeat(80);

interface Written {
  offset: number;
  key: string;
  timeMs: number;
}

/** Append one keyed record whose whole size is `size`, stamped `timeMs`. */
async function appendSized(log: PartitionLog, size: number, key: string, timeMs: number, n: number): Promise<Written> {
  const { payload, flag } = encodePayload(Buffer.alloc(size - RECORD_HEADER_SIZE - 4 - Buffer.byteLength(key), n % 251), key);
  const id = (BigInt(timeMs - EPOCH_MS) << 22n) | BigInt(n % 4096);
  return { offset: await appendRecord(log, payload, flag, id, checksum(payload)), key, timeMs };
}

describe('lookups by key and time over segments read back in windows', () => {
  it('indexes every record after a restart, including those cut by the end of a 1 MiB read', async () => {
    const io = new MemoryFileIO();
    let log = await openLog(io, { keyIndex: true, maxSegmentSize: 8 * MIB });
    const written: Written[] = [];
    let position = 0;
    const fillUpTo = async (target: number): Promise<void> => {
      while (position + 2 * 4096 < target) {
        written.push(await appendSized(log, 4096, `key-${written.length % 5}`, T0 + written.length, written.length));
        position += 4096;
      }
      written.push(await appendSized(log, target - position, `key-${written.length % 5}`, T0 + written.length, written.length));
      position = target;
    };
    // The first read ends 10 bytes into a record's header; the second starts at that record and
    // ends 30 bytes into the next long-keyed record, whose key it does not hold whole.
    const headerCut = MIB - 10;
    await fillUpTo(headerCut);
    const keyCut = headerCut + MIB - 30;
    await fillUpTo(keyCut);
    for (let n = 0; n < 40; n += 1) {
      written.push(await appendSized(log, 3000, n % 2 === 0 ? LONG_KEY : `key-${written.length % 5}`, T0 + written.length, written.length));
    }
    assert.equal(written.find((w) => w.offset === keyCut)?.key, LONG_KEY, 'a long-keyed record starts where the second read ends');
    await log.close();

    log = await openLog(io, { keyIndex: true, maxSegmentSize: 8 * MIB });
    try {
      for (const key of [LONG_KEY, 'key-0', 'key-3']) {
        const expected = written.filter((w) => w.key === key).map((w) => w.offset);
        assert.deepEqual(await log.offsetsForKey(key, 10_000), expected, `every record keyed ${key.slice(0, 8)}`);
      }
      for (const n of [0, 1, 255, 256, 257, 500, written.length - 1]) {
        assert.equal(await log.offsetForTime(written[n]!.timeMs), written[n]!.offset, `the record appended at T0+${n} ms`);
      }
      assert.equal(await log.offsetForTime(T0 + written.length + 1), log.writtenEnd, 'after the newest record: the end');
    } finally {
      await log.close();
    }
  });
});
