import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keySelector, randomSelector, roundRobinSelector } from '../../src/client/index.js';

const partitions = [0, 1, 2].map((index) => ({ brokerId: 0, index }));
const message = { topic: 't', data: 'x' };

describe('partition selectors', () => {
  it("round robin matches MetaQ's Java selector: pre-incremented counter, first message on index 1", () => {
    const select = roundRobinSelector();
    assert.deepEqual(
      Array.from({ length: 7 }, () => select('t', partitions, message).index),
      [1, 2, 0, 1, 2, 0, 1],
    );
  });

  it('key selection is stable per key and spreads keys', () => {
    const select = keySelector();
    const chosen = new Map<string, number>();
    for (let round = 0; round < 3; round += 1) {
      for (let key = 0; key < 30; key += 1) {
        const index = select('t', partitions, { ...message, key: `k${key}` }).index;
        assert.equal(chosen.get(`k${key}`) ?? index, index);
        chosen.set(`k${key}`, index);
      }
    }
    assert.equal(new Set(chosen.values()).size, 3);
  });

  it('random stays within the partitions', () => {
    const select = randomSelector();
    for (let i = 0; i < 100; i += 1) assert.ok(partitions.includes(select('t', partitions, message)));
  });
});
