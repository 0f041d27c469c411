import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { MetaqClient } from '../../src/client/index.js';
import { adminIni, startAdminFixture } from '../support/admin-fixture.js';
import type { AdminFixture } from '../support/admin-fixture.js';
import { get, put, putWithAttribute, WireSession } from '../support/wire-client.js';
import { txCommand, txPut, xaKey } from '../support/wire-transactions.js';

interface TopicBody {
  topic: string;
  partitions: Array<{ partition: number; minOffset: number; maxOffset: number; sizeBytes: number; messages: number; closed: boolean }>;
  messages: number;
}

describe('admin API (docs/admin-api.md)', () => {
  let f: AdminFixture;
  let client: MetaqClient;
  let session: WireSession;

  before(async () => {
    f = await startAdminFixture(adminIni());
    client = new MetaqClient({ serverUrl: f.broker.url, partitions: { orders: 2 } });
    session = await WireSession.open('127.0.0.1', f.broker.port);
    await putWithAttribute(session, 'orders', 0, 'order-0', 'first');
    for (let i = 1; i < 10; i += 1) assert.equal((await put(session, 'orders', i % 2, `order-${i}`)).code, 200);
  });
  after(async () => {
    await session.close();
    await client.close();
    await f.stop();
  });

  it('refuses a missing, malformed or wrong token with 401 and changes nothing', async () => {
    for (const token of [null, 'wrong', '']) {
      const closing = await f.api('/topics/orders/close', { method: 'POST', body: { start: 0, end: 1 }, token });
      assert.equal(closing.status, 401);
      assert.match(String((closing.body as { message: string }).message), /Authorization: Bearer/);
    }
    const raw = await fetch(`${f.admin.url}/api/broker`, { headers: { authorization: 'Basic abc' } });
    assert.equal(raw.status, 401);
    assert.match(await raw.text(), /not \\"Bearer <token>\\"/);
    assert.equal(f.broker.closedPartitions.isClosed('orders', 0), false, 'nothing was closed');
    assert.equal((await put(session, 'orders', 0, 'still-open')).code, 200);
  });

  it('describes the broker, its topics and partitions with offsets and sizes', async () => {
    const broker = await f.api<{ brokerId: number; role: string; url: string; connections: number }>('/broker');
    assert.equal(broker.status, 200);
    assert.equal(broker.body.brokerId, 3);
    assert.equal(broker.body.role, 'master');
    assert.equal(broker.body.url, f.broker.url);
    assert.ok(broker.body.connections >= 1);
    const brokers = await f.api<{ brokers: Array<{ brokerId: number; master: string }> }>('/brokers');
    assert.deepEqual(
      brokers.body.brokers.map((b) => [b.brokerId, b.master]),
      [[3, f.broker.url]],
    );
    const topics = await f.api<{ topics: TopicBody[] }>('/topics');
    assert.deepEqual(
      topics.body.topics.map((t) => t.topic),
      ['logs', 'orders'],
    );
    const orders = await f.api<TopicBody>('/topics/orders');
    assert.equal(orders.body.partitions.length, 2);
    assert.ok(orders.body.messages >= 10);
    for (const p of orders.body.partitions) {
      assert.equal(p.minOffset, 0);
      assert.ok(p.maxOffset > 0 && p.sizeBytes === p.maxOffset, 'group commit: everything is visible and on disk');
    }
    assert.equal((await f.api('/topics/nope')).status, 404);
    for (const path of ['/topics/a%20b', '/topics/a%2Fb/partitions/0/messages', '/groups/a%00b']) {
      const refused = await f.api<{ message: string }>(path);
      assert.equal(refused.status, 400, path);
      assert.match(refused.body.message, /^invalid (topic|group) name .*: a (topic|group) name is 1 to 249 characters/);
    }
  });

  it('browses messages at an offset with ids, attributes and bodies, page by page', async () => {
    const page = await f.api<{
      messages: Array<{ offset: number; id: string; attribute?: string; text: string; intact: boolean }>;
      nextOffset: number;
      maxOffset: number;
    }>('/topics/orders/partitions/0/messages?offset=0&maxBytes=64');
    assert.equal(page.status, 200);
    assert.equal(page.body.messages[0]!.text, 'order-0');
    assert.equal(page.body.messages[0]!.attribute, 'first');
    assert.ok(page.body.messages.every((m) => m.intact && /^\d+$/.test(m.id)));
    const next = await f.api<{ messages: Array<{ offset: number; text: string }> }>(`/topics/orders/partitions/0/messages?offset=${page.body.nextOffset}`);
    assert.equal(next.body.messages[0]!.offset, page.body.nextOffset);
    assert.notEqual(next.body.messages[0]!.text, 'order-0');
    assert.equal((await f.api('/topics/orders/partitions/9/messages')).status, 404);
    const bad = await f.api<{ message: string }>('/topics/orders/partitions/0/messages?offset=-5');
    assert.equal(bad.status, 400);
    assert.match(bad.body.message, /offset must be >= 0/);
  });

  it('shows a consumer group with its fetch position and lag', async () => {
    const consumer = client.consumer({ group: 'billing', startFrom: 0 });
    consumer.subscribe('orders', { partitions: [0] });
    const offsets: number[] = [];
    for await (const message of consumer) {
      offsets.push(message.offset);
      if (offsets.length === 3) break;
    }
    await consumer.close();
    const groups = await f.api<{
      groups: Array<{
        group: string;
        partitions: Array<{ topic: string; partition: number; fetched: number; maxOffset: number; lagBytes: number; client: string }>;
      }>;
    }>('/groups');
    const billing = groups.body.groups.find((g) => g.group === 'billing');
    assert.ok(billing, 'the group is listed');
    const p = billing.partitions.find((q) => q.topic === 'orders' && q.partition === 0)!;
    assert.ok(p.fetched >= 0 && p.lagBytes === p.maxOffset - p.fetched);
    assert.match(p.client, /^127\.0\.0\.1:\d+$/);
    const one = await f.api<{ group: string; lagHistory: unknown[] }>('/groups/billing');
    assert.equal(one.body.group, 'billing');
    assert.ok(Array.isArray(one.body.lagHistory));
    assert.equal((await f.api('/groups/nobody')).status, 404);
    const skip = await f.api<{ message: string }>('/groups/billing/topics/orders/partitions/0/skip', { method: 'POST' });
    assert.equal(skip.status, 409, 'without ZooKeeper the group keeps its own offsets');
    assert.match(skip.body.message, /without ZooKeeper/);
  });

  it('closes and opens partitions: puts and gets answer 403 while closed', async () => {
    assert.equal((await f.api('/topics/orders/close', { method: 'POST', body: { start: 1, end: 0 } })).status, 400, 'end below start');
    assert.equal((await f.api('/topics/orders/close', { method: 'POST', body: { start: 'a', end: 1 } })).status, 400, 'not an integer');
    assert.equal((await f.api('/topics/orders/close', { method: 'POST', body: '{not json' })).status, 400, 'malformed JSON');
    assert.equal((await f.api('/topics/orders/close', { method: 'POST', body: { start: 0, end: 0, extra: 1 } })).status, 400, 'unknown field');
    assert.equal((await f.api('/topics/unknown-topic/close', { method: 'POST', body: { start: 0, end: 0 } })).status, 404);
    assert.equal(f.broker.closedPartitions.all().length, 0, 'no refused request closed anything');
    const closed = await f.api<{ closed: number[] }>('/topics/orders/close', { method: 'POST', body: { start: 0, end: 0 } });
    assert.deepEqual(closed.body.closed, [0]);
    const refused = await put(session, 'orders', 0, 'x');
    assert.equal(refused.code, 403);
    assert.match(refused.text, /partition\[3-0\] has been closed/);
    assert.equal((await get(session, 'orders', 0, 0)).code, 403, 'gets too');
    assert.equal((await put(session, 'orders', 1, 'y')).code, 200, 'the other partition still takes puts');
    assert.equal((await f.api('/topics/orders/open', { method: 'POST' })).status, 200);
    assert.equal((await put(session, 'orders', 0, 'z')).code, 200);
  });

  it('reloads topic sections: a new topic works without a restart; a broken file changes nothing', async () => {
    const original = readFileSync(f.configFile, 'utf8');
    appendFileSync(f.configFile, '\n[topic=payments]\nnumPartitions=3\n');
    const reload = await f.api<{ added: string[]; changed: string[]; needRestart: string[] }>('/config/reload', { method: 'POST' });
    assert.equal(reload.status, 200);
    assert.deepEqual(reload.body.added, ['payments']);
    assert.deepEqual(reload.body.needRestart, []);
    assert.equal((await put(session, 'payments', 2, 'p')).code, 200, 'partition 2 of the new 3-partition topic');
    writeFileSync(f.configFile, `${original}\n[topic=broken]\nnumPartitons=2\n`);
    const refused = await f.api<{ message: string }>('/config/reload', { method: 'POST' });
    assert.equal(refused.status, 400);
    assert.match(refused.body.message, /unknown key "numPartitons".*did you mean 'numPartitions'/);
    assert.ok(f.broker.stores.settings('payments') !== undefined, 'the running config is unchanged');
    writeFileSync(f.configFile, original);
  });

  it('lists prepared XA transactions and completes one heuristically', async () => {
    {
      const key = xaKey('admin-1', 'shop');
      await txCommand(session, key, 'BEGIN', { qualifier: 'shop', timeout: 50 });
      await txPut(session, key, 'orders', 1, 'xa-admin');
      assert.deepEqual(await txCommand(session, key, 'PREPARE', { qualifier: 'shop' }), { code: 200, text: '0' });
      const list = await f.api<{ transactions: Array<{ key: string; state: string }> }>('/transactions');
      assert.deepEqual(list.body.transactions.find((t) => t.key === key)?.state, 'PREPARED');
      assert.equal((await f.api(`/transactions/${encodeURIComponent(key)}/commit`, { token: 'nope', method: 'POST' })).status, 401);
      assert.equal((await f.api('/transactions/TX:abc/commit', { method: 'POST' })).status, 400, 'only XA keys');
      const done = await f.api(`/transactions/${encodeURIComponent(key)}/commit`, { method: 'POST' });
      assert.equal(done.status, 200);
      const after = await f.api<{ transactions: Array<{ key: string; state: string }> }>('/transactions');
      assert.equal(after.body.transactions.find((t) => t.key === key)?.state, 'HEURISTIC_COMMIT');
      const again = await f.api<{ message: string }>(`/transactions/${encodeURIComponent(key)}/rollback`, { method: 'POST' });
      assert.equal(again.status, 409);
      assert.match(again.body.message, /only a prepared XA transaction/);
    }
  });

  it('serves stats text, replication status, and 404s unknown routes with a hint', async () => {
    const stats = await f.api<string>('/stats');
    assert.match(stats.body, /^STATS\r\npid \d+\r\nbroker_id 3\r\n/);
    assert.match((await f.api<string>('/stats/orders')).body, /resultCode 0/);
    assert.equal((await f.api('/stats/reset')).status, 405);
    assert.equal((await f.api('/stats/reset', { method: 'POST' })).status, 200);
    const replication = await f.api<{ role: string }>('/replication');
    assert.equal(replication.body.role, 'master');
    const missing = await f.api<{ message: string }>('/nothing-here');
    assert.equal(missing.status, 404);
    assert.match(missing.body.message, /docs\/admin-api\.md/);
  });
});
