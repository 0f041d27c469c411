import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConsumerPositions } from '../../src/broker/stats/consumer-positions.js';

describe('consumer positions', () => {
  it('hold at most their limit: invented groups are counted, not stored, and known groups keep moving', () => {
    const positions = new ConsumerPositions(3);
    positions.record('real', 'orders', 0, 10, 1, 'c');
    for (let n = 0; n < 1000; n += 1) positions.record(`invented-${n}`, 'orders', 0, 0, 2, 'attacker');
    assert.equal(positions.all().length, 3);
    assert.equal(positions.unrecorded, 998);
    positions.record('real', 'orders', 0, 20, 3, 'c');
    assert.equal(positions.all().find((p) => p.group === 'real')?.offset, 20);
    positions.forgetOlderThan(3);
    positions.record('new', 'orders', 0, 5, 4, 'c');
    assert.deepEqual(
      positions
        .all()
        .map((p) => p.group)
        .sort(),
      ['new', 'real'],
    );
  });
});
