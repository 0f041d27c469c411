import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DuplicateCache } from '../../src/client/consumer/duplicate-cache.js';

/** The behaviour the cache must have: remember the last `capacity` distinct offsets added. */
class ReferenceCache {
  private readonly order: number[] = [];
  constructor(private readonly capacity: number) {}
  has(offset: number): boolean {
    return this.order.includes(offset);
  }
  add(offset: number): void {
    if (this.capacity <= 0 || this.has(offset)) return;
    if (this.order.length === this.capacity) this.order.shift();
    this.order.push(offset);
  }
}

describe('DuplicateCache', () => {
  it('answers as a first-in-first-out set of the last N offsets, in order or not', () => {
    const operations = fc.array(fc.record({ add: fc.boolean(), offset: fc.oneof(fc.nat(60), fc.integer({ min: 0, max: 10_000 })) }), { maxLength: 300 });
    // Mostly increasing runs (the normal case), with jumps back mixed in.
    const increasing = fc.array(fc.nat(5), { maxLength: 300 }).map((steps) => {
      let offset = 0;
      return steps.map((step) => ({ add: true, offset: (offset += step) }));
    });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 20 }), fc.oneof(operations, increasing), fc.array(fc.nat(400), { maxLength: 40 }), (capacity, ops, probes) => {
        const cache = new DuplicateCache(capacity);
        const reference = new ReferenceCache(capacity);
        for (const op of ops) {
          if (op.add) {
            cache.add(op.offset);
            reference.add(op.offset);
          }
          assert.equal(cache.has(op.offset), reference.has(op.offset));
        }
        for (const probe of probes) assert.equal(cache.has(probe), reference.has(probe));
      }),
      { numRuns: 500 },
    );
  });

  it('keeps working after an offset goes backwards (a rebalance to an older commit)', () => {
    const cache = new DuplicateCache(3);
    for (const offset of [10, 20, 30]) cache.add(offset);
    cache.add(5);
    assert.deepEqual(
      [5, 10, 20, 30].map((o) => cache.has(o)),
      [true, false, true, true],
    );
  });
});
