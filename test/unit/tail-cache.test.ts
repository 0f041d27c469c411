import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CHUNK_OVERHEAD, TailCache } from '../../src/storage/tail-cache.js';

const bytes = (length: number, seed: number): Buffer => Buffer.from(Array.from({ length }, (_, n) => (seed * 31 + n) & 0xff));

describe('TailCache: reads shared within a turn', () => {
  it('the same range read again in one turn is one shared copy, never the caller-owned buffer; the next turn copies afresh', async () => {
    const cache = new TailCache(64 * 1024);
    const tail = cache.partition();
    tail.add(0, bytes(500, 1));
    const pooled = Buffer.alloc(1000);
    const first = tail.read(100, 300, pooled)!;
    assert.equal(first.buffer, pooled.buffer, 'the first read goes into the buffer its caller gave');
    const second = tail.read(100, 300, Buffer.alloc(1000))!;
    const third = tail.read(100, 300)!;
    assert.notEqual(second.buffer, pooled.buffer, 'a caller-owned buffer was handed to another reader');
    assert.equal(third, second, 'the third reader of the same range made its own copy');
    assert.deepEqual(third, bytes(500, 1).subarray(100, 400));
    tail.add(500, bytes(100, 2)); // the tail grew: a read reaching the new end is a different range
    assert.deepEqual(tail.read(100, 1000), Buffer.concat([bytes(500, 1), bytes(100, 2)]).subarray(100));
    await new Promise((resolve) => setImmediate(resolve));
    assert.notEqual(tail.read(100, 300), third, 'a copy was shared past the end of its turn');
    tail.clear();
    assert.equal(tail.read(100, 300), undefined, 'a cut log still answered from a shared copy');
  });
});

describe('TailCache', () => {
  it('answers any range inside what it holds exactly as written, and nothing before it', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: CHUNK_OVERHEAD, max: 8 * CHUNK_OVERHEAD }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 2000 })), { maxLength: 30 }),
        (sizes, budget, reads) => {
          const cache = new TailCache(budget);
          const tail = cache.partition();
          const written: Buffer[] = [];
          let end = 1000; // the log need not start at 0
          sizes.forEach((size, n) => {
            const data = bytes(size, n);
            tail.add(end, data);
            written.push(data);
            end += size;
          });
          const log = Buffer.concat(written);
          assert.ok(cache.bytes <= Math.max(budget, sizes.at(-1)! + CHUNK_OVERHEAD), 'over budget only by the newest chunk');
          for (const [at, length] of reads) {
            const offset = 1000 + (at % (log.length + 10));
            const got = tail.read(offset, length);
            if (got === undefined) continue;
            assert.deepEqual(got, log.subarray(offset - 1000, Math.min(offset - 1000 + length, log.length)));
          }
          // The newest byte is always there.
          assert.deepEqual(tail.read(end - 1, 10), log.subarray(log.length - 1));
          assert.equal(tail.read(end, 10), undefined, 'nothing past the written end');
        },
      ),
    );
  });

  it('shares one budget between partitions, evicting the oldest chunk anywhere', () => {
    const chunk = 100 + CHUNK_OVERHEAD; // what one 100-byte chunk counts for
    const cache = new TailCache(3 * chunk);
    const a = cache.partition();
    const b = cache.partition();
    a.add(0, bytes(100, 1));
    b.add(0, bytes(100, 2));
    a.add(100, bytes(100, 3));
    b.add(100, bytes(100, 4)); // four chunks: a's first goes
    assert.equal(cache.bytes, 3 * chunk);
    assert.equal(a.read(0, 10), undefined);
    assert.deepEqual(b.read(0, 10), bytes(100, 2).subarray(0, 10));
    assert.deepEqual(a.read(100, 10), bytes(100, 3).subarray(0, 10));
  });

  it('keeps the bytes of every partition as written while the ring wraps under interleaved writes', () => {
    fc.assert(
      // Writes large next to CHUNK_OVERHEAD, so the ring (not the count of chunks) decides what stays.
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 20_000 })), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 20_000 + CHUNK_OVERHEAD, max: 80_000 }),
        (writes, budget) => {
          const cache = new TailCache(budget);
          const tails = Array.from({ length: 4 }, () => cache.partition());
          const logs: Buffer[][] = [[], [], [], []];
          const ends = [0, 0, 0, 0];
          writes.forEach(([p, size], n) => {
            const data = bytes(size, n);
            tails[p]!.add(ends[p]!, data);
            data.fill(0); // the cache holds a copy: the broker reuses request buffers
            logs[p]!.push(bytes(size, n));
            ends[p]! += size;
          });
          assert.ok(cache.bytes <= budget);
          tails.forEach((tail, p) => {
            const log = Buffer.concat(logs[p]!);
            for (let offset = 0; offset < log.length; offset += 997) {
              const got = tail.read(offset, 5000);
              if (got !== undefined) assert.deepEqual(got, log.subarray(offset, Math.min(offset + 5000, log.length)), `partition ${p} at ${offset}`);
            }
          });
          const newest = writes.at(-1)![0];
          assert.deepEqual(tails[newest]!.read(ends[newest]! - 1, 1), bytes(writes.at(-1)![1], writes.length - 1).subarray(-1), 'the newest write is held');
        },
      ),
    );
  });

  it('does not cache a write larger than its budget, and forgets what it held of that partition', () => {
    const cache = new TailCache(2000);
    const tail = cache.partition();
    tail.add(0, bytes(100, 1));
    tail.add(100, bytes(3000, 2));
    assert.equal(tail.read(0, 10), undefined);
    assert.equal(tail.read(100, 10), undefined);
    assert.equal(cache.bytes, 0);
    tail.add(3100, bytes(100, 3));
    assert.deepEqual(tail.read(3100, 100), bytes(100, 3));
  });

  it('forgets a partition on clear and after a gap, and answers reads with copies', async () => {
    const cache = new TailCache(10_000);
    const tail = cache.partition();
    tail.add(0, bytes(50, 1));
    tail.add(80, bytes(50, 2)); // a gap: the first chunk can no longer be trusted to be contiguous
    assert.equal(tail.read(0, 10), undefined);
    assert.equal(cache.bytes, 50 + CHUNK_OVERHEAD);
    const large = Buffer.alloc(65_536, 7);
    tail.add(130, large.subarray(0, 100));
    large.fill(9); // the cache kept its own copy, not a view of the socket's chunk
    assert.deepEqual(tail.read(130, 100), Buffer.alloc(100, 7));
    large.fill(1);
    assert.deepEqual(tail.read(130, 100), Buffer.alloc(100, 7), 'a read is a copy of the ring, not a view of it');
    await new Promise((resolve) => setImmediate(resolve)); // a new turn: nothing shared from the reads above
    const into = Buffer.alloc(200, 3);
    const read = tail.read(130, 100, into)!;
    assert.deepEqual(read, Buffer.alloc(100, 7));
    assert.equal(read.buffer, into.buffer, 'read into the buffer supplied');
    tail.clear();
    assert.equal(cache.bytes, 0);
    assert.equal(tail.read(130, 10), undefined);
  });
});
