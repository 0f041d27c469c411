import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MetaZnodes } from '../../src/coordination/zk/znodes.js';
import { adminIni, startAdminFixture } from '../support/admin-fixture.js';
import type { AdminFixture } from '../support/admin-fixture.js';
import { useZookeeper } from '../support/zookeeper-fixture.js';
import { put, WireSession } from '../support/wire-client.js';

describe('admin API in cluster mode: brokers, owners, committed offsets and skip', () => {
  const zk = useZookeeper();
  const z = new MetaZnodes('/meta');
  let f: AdminFixture;
  let session: WireSession;

  before(async () => {
    f = await startAdminFixture(adminIni(zk.ini()));
    session = await WireSession.open('127.0.0.1', f.broker.port);
    for (let i = 0; i < 6; i += 1) assert.equal((await put(session, 'orders', 0, `m${i}`)).code, 200);
    await zk.session.writePersistent(z.offset('billing', 'orders', '3-0'), '-1-0');
    await zk.session.create(z.owner('billing', 'orders', '3-0'), 'billing_host-1', 'ephemeral');
  });
  after(async () => {
    await session.close();
    await f.stop();
  });

  it("lists the registered brokers and a group's owner and committed offset from ZooKeeper", async () => {
    const brokers = await f.api<{ brokers: Array<{ brokerId: number; master: string }> }>('/brokers');
    assert.deepEqual(
      brokers.body.brokers.map((b) => [b.brokerId, b.master]),
      [[3, f.broker.url]],
    );
    const group = await f.api<{
      partitions: Array<{ topic: string; partition: number; owner: string; committed: number; lagBytes: number; maxOffset: number }>;
    }>('/groups/billing');
    const p = group.body.partitions.find((q) => q.topic === 'orders' && q.partition === 0)!;
    assert.equal(p.owner, 'billing_host-1');
    assert.equal(p.committed, 0);
    assert.equal(p.lagBytes, p.maxOffset);
  });

  it('skip is refused while a consumer owns the partition, and moves the committed offset to the end once it does not', async () => {
    const owned = await f.api<{ message: string }>('/groups/billing/topics/orders/partitions/0/skip', { method: 'POST' });
    assert.equal(owned.status, 409);
    assert.match(owned.body.message, /owned by consumer billing_host-1/);
    assert.equal(await zk.session.getData(z.offset('billing', 'orders', '3-0')), '-1-0', 'unchanged');
    await zk.session.remove(z.owner('billing', 'orders', '3-0'));
    const skipped = await f.api<{ offset: number }>('/groups/billing/topics/orders/partitions/0/skip', { method: 'POST' });
    assert.equal(skipped.status, 200);
    const end = f.broker.stores.find('orders', 0)!.visibleEnd;
    assert.equal(skipped.body.offset, end);
    assert.equal(await zk.session.getData(z.offset('billing', 'orders', '3-0')), `0-${end}`);
    const group = await f.api<{ lagBytes: number }>('/groups/billing');
    assert.equal(group.body.lagBytes, 0);
  });
});
