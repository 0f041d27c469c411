import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  consistentHashAssignment,
  defaultAssignment,
  formatOffsetNode,
  javaStringSort,
  MetaZnodes,
  parseOffsetNode,
  parseTopicBroker,
  topicBrokerJson,
} from '../../src/coordination/index.js';

describe('rebalance: MetaQ default strategy', () => {
  it('sorts as Java strings: "0-10" before "0-2", "10-0" before "2-0"', () => {
    assert.deepEqual(javaStringSort(['0-2', '0-10', '2-0', '10-0', '0-1']), ['0-1', '0-10', '0-2', '10-0', '2-0']);
  });

  it('gives contiguous slices; the first n mod m members take one extra', () => {
    const partitions = Array.from({ length: 11 }, (_, i) => `0-${i}`);
    const consumers = ['g_c', 'g_a', 'g_b'];
    const shares = consumers.map((c) => [c, defaultAssignment(c, consumers, partitions)] as const);
    assert.deepEqual(Object.fromEntries(shares), {
      g_a: ['0-0', '0-1', '0-10', '0-2'],
      g_b: ['0-3', '0-4', '0-5', '0-6'],
      g_c: ['0-7', '0-8', '0-9'],
    });
  });

  it('members beyond the partition count get nothing; every partition has exactly one owner', () => {
    const partitions = ['1-0', '2-0'];
    const consumers = ['x', 'y', 'z'];
    assert.deepEqual(
      consumers.map((c) => defaultAssignment(c, consumers, partitions)),
      [['1-0'], ['2-0'], []],
    );
    for (let m = 1; m <= 7; m += 1) {
      const members = Array.from({ length: m }, (_, i) => `c${i}`);
      const owned = members.flatMap((c) =>
        defaultAssignment(
          c,
          members,
          Array.from({ length: 13 }, (_, i) => `${i % 3}-${i}`),
        ),
      );
      assert.equal(owned.length, 13);
      assert.equal(new Set(owned).size, 13);
    }
  });

  it('consistent hashing also gives every partition exactly one owner', () => {
    const partitions = Array.from({ length: 30 }, (_, i) => `${i % 3}-${i}`);
    const consumers = ['g_a', 'g_b', 'g_c', 'g_d'];
    const owned = consumers.flatMap((c) => consistentHashAssignment(c, consumers, partitions));
    assert.deepEqual([...owned].sort(), [...partitions].sort());
  });
});

describe('znodes', () => {
  it('builds MetaQ paths under a normalised root', () => {
    const z = new MetaZnodes('meta/');
    assert.equal(z.master(3), '/meta/brokers/ids/3/master');
    assert.equal(z.topicsPub('orders'), '/meta/brokers/topics-pub/orders');
    assert.equal(z.legacyTopic('orders', 3), '/meta/brokers/topics/orders/3-m');
    assert.equal(z.offset('g', 'orders', '3-0'), '/meta/consumers/g/offsets/orders/3-0');
  });

  it('writes topic JSON in Jackson order and reads any order', () => {
    assert.equal(topicBrokerJson(4, 3), '{"numParts":4,"broker":"3-m"}');
    assert.deepEqual(parseTopicBroker('{"broker":"1-m","numParts":2}'), { numParts: 2, broker: '1-m' });
    assert.equal(parseTopicBroker('not json'), undefined);
  });

  it('reads msgId-offset nodes at the last dash, negative ids and legacy plain offsets included', () => {
    assert.deepEqual(parseOffsetNode(formatOffsetNode(2062193103221030912n, 4096)), { msgId: 2062193103221030912n, offset: 4096 });
    assert.deepEqual(parseOffsetNode('-1-0'), { msgId: -1n, offset: 0 });
    assert.deepEqual(parseOffsetNode('-2460000000000-1024'), { msgId: -2460000000000n, offset: 1024 });
    assert.deepEqual(parseOffsetNode('777'), { msgId: -1n, offset: 777 });
  });
});
