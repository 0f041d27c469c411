import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CHUNK_OVERHEAD, TailCache } from '../../src/storage/tail-cache.js';

const bytes = (length: number, seed: number): Buffer => Buffer.from(Array.from({ length }, (_, n) => (seed * 31 + n) & 0xff));

describe('TailCache', () => {
  it('answers any range inside what it holds exactly as written, and nothing before it', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 40 }), fc.integer({ min: CHUNK_OVERHEAD, max: 8 * CHUNK_OVERHEAD }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 2000 })), { maxLength: 30 }), (sizes, budget, reads) => {
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
      }),
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

  it('forgets a partition on clear and after a gap, and copies a small slice of a large buffer', () => {
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
    assert.equal(tail.read(130, 100)!.buffer.byteLength, 100, 'in memory of its own, not a slice of an allocation pool');
    const pooled = Buffer.allocUnsafe(64).fill(5); // a slice of Node's shared 8 KiB pool
    tail.add(230, pooled);
    assert.equal(tail.read(230, 64)!.buffer.byteLength, 64);
    tail.clear();
    assert.equal(cache.bytes, 0);
    assert.equal(tail.read(130, 10), undefined);
  });
});
