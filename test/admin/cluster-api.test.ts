import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addMove } from '../../src/coordination/zk/reassignments.js';
import type { MoveRecord } from '../../src/coordination/zk/reassignments.js';
import { MetaZnodes } from '../../src/coordination/zk/znodes.js';
import { adminIni, startAdminFixture } from '../support/admin-fixture.js';
import type { AdminFixture } from '../support/admin-fixture.js';
import { eventually } from '../support/eventually.js';
import { freePort } from '../support/free-port.js';
import { useZookeeper } from '../support/zookeeper-fixture.js';
import { put, WireSession } from '../support/wire-client.js';

interface ClusterAnswer {
  cluster: boolean;
  brokers: Array<{
    brokerId: number;
    master: string | null;
    members: Array<{ role: string; url: string }>;
    topics: Array<{ topic: string; partitions: number }>;
  }>;
  groups: Array<{
    group: string;
    lagBytes: number;
    unknownPartitions: number;
    partitions: Array<{ topic: string; brokerId: number; partition: number; end: number | null; lagBytes: number | null; pastEnd: boolean }>;
  }>;
  unreachable: Array<{ brokerId: number; problem: string }>;
  moves: Array<{ topic: string; from: string; to: string; state: string; copiedBytes: number | null; totalBytes: number | null; updated: string }>;
}

const iniFor = (brokerId: number, zk: string): string => adminIni(zk).replace('brokerId=3', `brokerId=${brokerId}`);

/** A move between brokers 5 and 6, which are not running, so no broker of this test acts on it. */
const move = (partition: number, state: MoveRecord['state']): MoveRecord => ({
  topic: 'orders',
  source: { broker: 5, partition },
  target: { broker: 6, partition: 2 },
  state,
  epoch: 1,
  throttleBytesPerSecond: 0,
  sourceStart: 0,
  sourceEnd: 1000,
  targetEnd: 250,
  created: new Date().toISOString(),
  updated: new Date().toISOString(),
});

describe('admin API: GET /api/cluster with two brokers on ZooKeeper', { timeout: 60_000 }, () => {
  const zk = useZookeeper();
  const z = new MetaZnodes('/meta');
  let a: AdminFixture;
  let b: AdminFixture;
  let ends: { a0: number; a1: number; b0: number };

  before(async () => {
    a = await startAdminFixture(iniFor(3, zk.ini()));
    b = await startAdminFixture(iniFor(4, zk.ini()));
    for (const [f, count] of [
      [a, 5],
      [b, 3],
    ] as const) {
      const session = await WireSession.open('127.0.0.1', f.broker.port);
      for (let i = 0; i < count; i += 1) {
        assert.equal((await put(session, 'orders', 0, `m${i}`)).code, 200);
        assert.equal((await put(session, 'orders', 1, `n${i}`)).code, 200);
      }
      await session.close();
    }
    ends = {
      a0: a.broker.stores.find('orders', 0)!.visibleEnd,
      a1: a.broker.stores.find('orders', 1)!.visibleEnd,
      b0: b.broker.stores.find('orders', 0)!.visibleEnd,
    };
    // billing committed on both brokers; its position on 3-1 is past the end (a log created again under it).
    await zk.session.writePersistent(z.offset('billing', 'orders', '3-0'), '-1-0');
    await zk.session.writePersistent(z.offset('billing', 'orders', '3-1'), `-1-${ends.a1 + 500}`);
    await zk.session.writePersistent(z.offset('billing', 'orders', '4-0'), '-1-0');
    await zk.session.writePersistent(z.offset('metaq-get', 'orders', '4-0'), '-1-0');
    await addMove(zk.session, z, move(1, 'copying'));
    await addMove(zk.session, z, move(0, 'done'));
  });
  after(async () => {
    await b?.stop();
    await a?.stop();
  });

  it('lists both brokers with their master and the partitions each registered, not a stopped broker id', async () => {
    await eventually(async () => (await a.api<ClusterAnswer>('/cluster')).body.brokers.length === 2, 'both brokers registered');
    // A stopped broker leaves its persistent id node behind, with no master or slave under it.
    await zk.session.writePersistent(z.brokerId(7), 'meta://127.0.0.1:1');
    const { status, body } = await a.api<ClusterAnswer>('/cluster');
    assert.equal(status, 200);
    assert.equal(body.cluster, true);
    assert.deepEqual(
      body.brokers.map((x) => [x.brokerId, x.master, x.members.map((m) => m.role)]),
      [
        [3, a.broker.url, ['master']],
        [4, b.broker.url, ['master']],
      ],
    );
    for (const x of body.brokers)
      assert.deepEqual(x.topics.find((t) => t.topic === 'orders')?.partitions, 2, `broker ${x.brokerId} registered orders with 2 partitions`);
  });

  it("sums a group's lag across both brokers, the other broker's end read over the wire, a position past the end shown as such", async () => {
    const { body } = await a.api<ClusterAnswer>('/cluster');
    assert.deepEqual(body.unreachable, []);
    const billing = body.groups.find((g) => g.group === 'billing')!;
    assert.equal(billing.unknownPartitions, 0);
    assert.equal(billing.lagBytes, ends.a0 + ends.b0, 'lag of 3-0 (this broker) plus 4-0 (the other broker)');
    const remote = billing.partitions.find((p) => p.brokerId === 4 && p.partition === 0)!;
    assert.equal(remote.end, ends.b0);
    const past = billing.partitions.find((p) => p.brokerId === 3 && p.partition === 1)!;
    assert.deepEqual([past.pastEnd, past.lagBytes], [true, 0]);
    // The same answer from the other broker: its own ends local, this one's over the wire.
    const fromB = (await b.api<ClusterAnswer>('/cluster')).body.groups.find((g) => g.group === 'billing')!;
    assert.equal(fromB.lagBytes, billing.lagBytes);
  });

  it('hides metaq-get unless all=true', async () => {
    const hidden = (await a.api<ClusterAnswer>('/cluster')).body.groups.map((g) => g.group);
    assert.deepEqual(hidden, ['billing']);
    const all = (await a.api<ClusterAnswer>('/cluster?all=true')).body.groups.map((g) => g.group);
    assert.deepEqual(all, ['billing', 'metaq-get']);
  });

  it('shows the move in progress with its copied bytes, not the finished one', async () => {
    const { body } = await a.api<ClusterAnswer>('/cluster');
    assert.deepEqual(body.moves, [
      { topic: 'orders', from: '5-1', to: '6-2', state: 'copying', copiedBytes: 250, totalBytes: 1000, problem: null, updated: body.moves[0]!.updated },
    ]);
  });

  it('reports a broker whose end cannot be read and leaves its partitions out of the sum', async () => {
    await zk.session.writePersistent(z.offset('billing', 'orders', '9-0'), '-1-0');
    const { body } = await a.api<ClusterAnswer>('/cluster');
    const billing = body.groups.find((g) => g.group === 'billing')!;
    assert.equal(billing.unknownPartitions, 1);
    assert.equal(billing.lagBytes, ends.a0 + ends.b0);
    assert.deepEqual(body.unreachable, [{ brokerId: 9, problem: 'no master registered in ZooKeeper' }]);
    await zk.session.remove(z.offset('billing', 'orders', '9-0'));
  });

  it('answers within the probe bound when a registered master does not answer', async () => {
    const silent = `meta://127.0.0.1:${await freePort()}`;
    await zk.session.writePersistent(z.master(8), silent);
    await zk.session.writePersistent(z.offset('billing', 'orders', '8-0'), '-1-0');
    const started = performance.now();
    const { body } = await a.api<ClusterAnswer>('/cluster');
    assert.ok(performance.now() - started < 10_000, 'bounded by the probe timeout');
    const billing = body.groups.find((g) => g.group === 'billing')!;
    assert.equal(billing.unknownPartitions, 1);
    assert.equal(billing.lagBytes, ends.a0 + ends.b0);
    assert.deepEqual(
      body.unreachable.map((u) => u.brokerId),
      [8],
    );
    await zk.session.remove(z.offset('billing', 'orders', '8-0'));
    await zk.session.remove(z.master(8));
  });
});

describe('admin API: GET /api/cluster on a standalone broker', () => {
  let f: AdminFixture;
  before(async () => (f = await startAdminFixture(adminIni())));
  after(async () => f?.stop());

  it('answers that the broker is not in a cluster', async () => {
    const { status, body } = await f.api<{ cluster: boolean; brokerId: number }>('/cluster');
    assert.equal(status, 200);
    assert.deepEqual([body.cluster, body.brokerId], [false, 3]);
  });
});
