import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BufferPool } from '../../src/common/buffer-pool.js';

describe('BufferPool', () => {
  it('hands a given-back buffer out again, and only runs it pools', () => {
    const pool = new BufferPool(1024, 2, 256);
    assert.equal(pool.take(255), undefined, 'small runs are allocated by the caller');
    assert.equal(pool.take(1025), undefined, 'runs larger than its buffers are not pooled');
    const first = pool.take(600)!;
    assert.equal(first.length, 1024);
    pool.give(first.subarray(0, 600)); // a view of it is enough
    assert.equal(pool.take(300)!.buffer, first.buffer);
  });

  it('ignores buffers it did not make and buffers already given back, so none is handed out twice', () => {
    const pool = new BufferPool(1024, 4, 256);
    pool.give(Buffer.alloc(1024));
    const a = pool.take(1024)!;
    pool.give(a);
    pool.give(a);
    const b = pool.take(1024)!;
    const c = pool.take(1024)!;
    assert.equal(b.buffer, a.buffer);
    assert.notEqual(c.buffer, a.buffer, 'given twice, handed out once');
  });

  it('keeps at most `keep` idle buffers', () => {
    const pool = new BufferPool(512, 1, 256);
    const [a, b] = [pool.take(512)!, pool.take(512)!];
    pool.give(a);
    pool.give(b);
    assert.equal(pool.take(512)!.buffer, a.buffer);
    assert.notEqual(pool.take(512)!.buffer, b.buffer, 'the second was not kept');
  });
});
