import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { IdBlockWriter, IdGenerator, idAfter } from '../../src/common/id-generator.js';

describe('IdBlockWriter', () => {
  it('writes the same ids as idAfter, across millisecond carries and every broker id', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1023 }),
        fc.integer({ min: 0, max: 2 ** 40 }),
        fc.integer({ min: 0, max: 4095 }),
        fc.integer({ min: 0, max: 20_000 }),
        (brokerId, ms, sequence, n) => {
          const first = (BigInt(ms) << 22n) | (BigInt(brokerId) << 12n) | BigInt(sequence);
          const target = Buffer.alloc(8);
          new IdBlockWriter(first).write(target, 0, n);
          assert.equal(target.readBigInt64BE(0), idAfter(first, n));
        },
      ),
    );
  });

  it('stamps a block from the generator with increasing ids', () => {
    const ids = new IdGenerator(7);
    const first = ids.nextBlock(10_000);
    const writer = new IdBlockWriter(first);
    const target = Buffer.alloc(8);
    let previous = -1n;
    for (let n = 0; n < 10_000; n += 1) {
      writer.write(target, 0, n);
      const id = target.readBigInt64BE(0);
      assert.ok(id > previous, `id ${n} increases`);
      previous = id;
    }
    assert.ok(ids.next() > previous, 'the next id comes after the block');
  });
});
