import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { registerMoveMetrics } from '../../src/admin/move-metrics.js';
import { MetaqClient } from '../../src/client/index.js';
import { addMove, readMoves } from '../../src/coordination/zk/reassignments.js';
import { MetaZnodes } from '../../src/coordination/zk/znodes.js';
import type { Consumer } from '../../src/client/index.js';
import { eventually } from '../support/eventually.js';
import { zookeeperForSuite } from '../support/suite-zookeeper.js';
import { movesReach, movingBroker, reassign } from './move-cluster.js';

/** Payloads are `p:<seq>` from one producer sending one at a time. */
interface Consumed {
  partition: string;
  offset: number;
  payload: string;
}

describe('online partition moves', { timeout: 180_000 }, () => {
  const zookeeper = zookeeperForSuite({ session: true });

  it('moves a partition to another broker under load: nothing acked lost, nothing delivered twice to the group, order kept, the source cleaned up', async () => {
    const one = await movingBroker(zookeeper.connect, 1, { orders: 2 });
    const two = await movingBroker(zookeeper.connect, 2, { other: 1 });
    const client = new MetaqClient({ zkConnect: zookeeper.connect, zkSessionTimeoutMs: 4000 });
    const consumed: Consumed[] = [];
    const consumer: Consumer = client.consumer({ group: 'billing', commitIntervalMs: 50, maxDelayFetchMs: 20, rebalanceRetryMs: 100 }).subscribe('orders');
    await consumer.run((m) => void consumed.push({ partition: `${m.partition.brokerId}-${m.partition.index}`, offset: m.offset, payload: m.data.toString() }));

    const producer = client.producer();
    const acked: Array<{ payload: string; partition: string; offset: number }> = [];
    let producing = true;
    let failures = 0;
    let firstFailure: string | undefined;
    const load = (async () => {
      for (let seq = 0; producing && seq < 200_000; seq += 1) {
        const payload = `p:${seq}`;
        await producer.send({ topic: 'orders', data: payload }).then(
          (r) => acked.push({ payload, partition: `${r.partition.brokerId}-${r.partition.index}`, offset: r.offset }),
          (error: Error) => {
            failures += 1;
            firstFailure ??= error.message;
          },
        );
      }
    })();
    await eventually(() => acked.length >= 500, '500 sends acked before the move');
    await reassign(zookeeper.session, zookeeper.connect, { kind: 'moves', moves: [{ topic: 'orders', source: 1, count: 1, target: 2 }] });
    await movesReach(zookeeper.session, 'done');
    const atDone = acked.length;
    await eventually(
      () => acked.length >= atDone + 500 && acked.some((a, i) => i >= atDone && a.partition === '2-0'),
      'sends after the move reach the moved partition',
    );
    producing = false;
    await load;
    await eventually(() => new Set(consumed.map((c) => c.payload)).size >= new Set(acked.map((a) => a.payload)).size, 'the group consumed every acked message');
    await consumer.close();

    const seen = new Map<string, number>();
    for (const c of consumed) seen.set(c.payload, (seen.get(c.payload) ?? 0) + 1);
    const lost = acked.filter((a) => !seen.has(a.payload));
    const twice = [...seen].filter(([, n]) => n > 1).map(([p]) => p);
    assert.deepEqual(lost, [], 'every acked message consumed');
    assert.deepEqual(twice, [], 'no message delivered twice to the group');
    // The moved partition is one sequence: 1-1 until the switch, 2-0 after, at the same offsets.
    const logical = (p: string): string => (p === '2-0' ? '1-1' : p);
    const last = new Map<string, number>();
    for (const c of consumed) {
      const seq = Number(c.payload.split(':')[1]);
      const key = logical(c.partition);
      assert.ok(seq > (last.get(key) ?? -1), `order kept in ${key}: ${c.payload} after p:${last.get(key)}`);
      last.set(key, seq);
    }
    const onOld = acked.filter((a) => a.partition === '1-1');
    const onNew = acked.filter((a) => a.partition === '2-0');
    assert.ok(onOld.length > 0 && onNew.length > 0, 'sends landed on both sides of the switch');
    assert.ok(Math.min(...onNew.map((a) => a.offset)) > Math.max(...onOld.map((a) => a.offset)), 'the new partition continues the old one at the same offsets');
    const copy = two.broker.stores.find('orders', 0)!;
    for (const write of onOld.slice(-20)) {
      const bytes = await copy.read(write.offset, 4096);
      assert.ok(bytes.includes(Buffer.from(write.payload)), `the copy holds ${write.payload} at ${write.offset}`);
    }

    assert.equal(one.broker.stores.find('orders', 1), undefined, 'the source deleted its copy');
    assert.match(readFileSync(one.file, 'utf8'), /\[topic=orders\]\nnumPartitions=1\n/, "the source's server.ini keeps one partition");
    assert.match(readFileSync(two.file, 'utf8'), /\[topic=orders\]\nnumPartitions=1\n/, "the target's server.ini has the moved partition");
    const pub = async (id: number) => zookeeper.session.getData(`/meta/brokers/topics-pub/orders/${id}-m`);
    assert.equal(await pub(1), '{"numParts":1,"broker":"1-m"}');
    assert.equal(await pub(2), '{"numParts":1,"broker":"2-m"}');
    assert.equal(failures, 0, `a send refused during the switch goes to another partition, not back to the caller: ${firstFailure}`);

    await client.close();
    await one.broker.stop();
    await two.broker.stop();
  });

  it("a move that cannot progress says why in its record, in the target's status and in its metrics", async () => {
    const two = await movingBroker(zookeeper.connect, 2, { other: 1 });
    const now = new Date().toISOString();
    // Broker 9 is not running: the target cannot copy from it.
    await addMove(zookeeper.session, new MetaZnodes(), {
      topic: 'stuck',
      source: { broker: 9, partition: 0 },
      target: { broker: 2, partition: 0 },
      state: 'pending',
      epoch: 1,
      throttleBytesPerSecond: 0,
      created: now,
      updated: now,
    });
    await eventually(
      async () =>
        (await readMoves(zookeeper.session, new MetaZnodes())).find((m) => m.topic === 'stuck')?.problem?.includes('broker 9 is not registered') === true,
      'the problem recorded',
    );
    await eventually(
      () => two.broker.moves?.status().some((m) => m.role === 'target' && m.problem?.includes('broker 9') === true) === true,
      "the target's status says it",
    );
    const registry = new Registry();
    registerMoveMetrics(() => two.broker.moves?.status(), [registry]);
    assert.match(await registry.metrics(), /metaq_partition_move_problem\{topic="stuck",from="9-0",to="2-0",role="target",state="copying"\} 1/);
    assert.equal(await zookeeper.session.getData('/meta/brokers/topics-pub/stuck/2-m'), undefined, 'the copy is not registered');
    await zookeeper.session.remove('/meta/metaq/reassignments/stuck/9-0');
    await eventually(() => two.broker.moves?.status().some((m) => m.topic === 'stuck') === false, 'the cancelled move is gone');
    await two.broker.stop();
  });
});
