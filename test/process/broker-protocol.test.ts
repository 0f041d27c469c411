import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect } from 'node:net';
import type { Broker } from '../../src/broker/broker.js';
import { describeId } from '../../src/common/id-generator.js';
import { startBroker } from '../support/in-process-broker.js';
import { get, put, scanPartition, WireSession } from '../support/wire-client.js';

/** Send raw bytes on a fresh socket; resolve with everything received until the broker closes it. */
function rawExchange(port: number, bytes: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => socket.write(bytes));
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => resolve(received));
  });
}

describe('broker over TCP', () => {
  let broker: Broker;
  let session: WireSession;

  before(async () => {
    broker = await startBroker(
      { numPartitions: 3, maxTransferSize: 4096, brokerId: 7 },
      '[topic=orders]\nnumPartitions=2\n[topic=log-*]\n[topic=lazy]\nunflushThreshold=1000\nunflushInterval=600000\n',
    );
    session = await WireSession.open('127.0.0.1', broker.port);
  });
  after(async () => {
    await session.close();
    await broker.stop();
  });

  it('put answers "<id> <partition> <offset>" with positive, increasing, broker-tagged ids', async () => {
    const first = await put(session, 'orders', 1, 'hello');
    const second = await put(session, 'orders', 1, 'world');
    assert.equal(first.code, 200);
    const [id1, p1, o1] = first.text.split(' ');
    const [id2, , o2] = second.text.split(' ');
    assert.equal(p1, '1');
    assert.equal(o1, '0');
    assert.equal(o2, String(20 + 5));
    assert.ok(BigInt(id1!) > 0n && BigInt(id2!) > BigInt(id1!));
    assert.equal(describeId(BigInt(id1!)).brokerId, 7);
  });

  it('get returns the stored record exactly as sent, capped at maxTransferSize', async () => {
    const reply = await get(session, 'orders', 1, 0);
    assert.equal(reply.code, 0);
    const records = await scanPartition(session, 'orders', 1);
    assert.deepEqual(
      records.map((r) => [r.offset, r.payload, r.intact]),
      [
        [0, 'hello', true],
        [25, 'world', true],
      ],
    );
    for (let i = 0; i < 300; i += 1) await put(session, 'orders', 0, `m${i}`.padEnd(40, '.'));
    const capped = await get(session, 'orders', 0, 0, 1024 * 1024);
    assert.equal(capped.bytes.length, 4096, 'min(maxTransferSize, maxSize)');
    assert.equal((await scanPartition(session, 'orders', 0)).length, 300);
  });

  it('partition -1 lets the broker pick a partition', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 60; i += 1) seen.add((await put(session, 'log-random', -1, 'any')).text.split(' ')[1]!);
    assert.deepEqual([...seen].sort(), ['0', '1', '2'], 'wildcard topics take the global numPartitions=3');
  });

  it('refuses unknown topics, wrong partitions and bad checksums with MetaQ texts', async () => {
    const unknown = await put(session, 'nope', 0, 'x');
    assert.equal(unknown.code, 500);
    assert.match(
      unknown.text,
      /^Put message to \[broker 'meta:\/\/127\.0\.0\.1:\d+'\] \[partition 'nope-0'\] failed\.Detail:The server do not accept topic nope$/,
    );
    assert.match((await put(session, 'orders', 2, 'x')).text, /Detail:wrong partition 2$/);
    const bad = await put(session, 'orders', 0, 'x', 12345);
    assert.equal(bad.code, 500);
    assert.match(bad.text, /Checksum failure,message may be corrupted when transfering on networking\./);
    assert.equal((await put(session, 'log-app', 0, 'wild')).code, 200, 'wildcard topic accepted');
  });

  it('follows the 301/404/400 rules of get', async () => {
    assert.deepEqual(await get(session, 'orders', 1, 0, 0).then((r) => [r.code, r.text]), [400, 'Bad request,invalid max size:0']);
    assert.deepEqual(await get(session, 'never', 0, 0).then((r) => [r.code, r.text]), [404, 'The topic `never` in partition `0` is not exists']);
    assert.deepEqual(await get(session, 'orders', 1, -10).then((r) => [r.code, r.text]), [301, '0']);
    assert.deepEqual(await get(session, 'orders', 1, 50).then((r) => [r.code, r.text]), [404, 'Could not find message at position 50']);
    assert.deepEqual(await get(session, 'orders', 1, 5000).then((r) => [r.code, r.text]), [404, 'Could not find message at position 5000']);
    const newest = await session.request((opaque) => ({ kind: 'get', topic: 'orders', group: 'g', partition: 1, offset: 2 ** 63, maxSize: 100, opaque }));
    assert.deepEqual([newest.kind === 'result' && newest.code, newest.body.toString()], [301, '50']);
  });

  it('hides unflushed data from consumers until it is flushed', async () => {
    assert.equal((await put(session, 'lazy', 0, 'pending')).code, 200);
    assert.equal((await get(session, 'lazy', 0, 0)).code, 404);
    await broker.stores.find('lazy', 0)!.flush();
    assert.equal((await get(session, 'lazy', 0, 0)).code, 0);
  });

  it('answers offset with the segment start, clamped to the log', async () => {
    const ask = async (offset: number) =>
      (await session.request((opaque) => ({ kind: 'offset', topic: 'orders', group: 'g', partition: 1, offset, opaque }))).body.toString();
    assert.deepEqual([await ask(-1), await ask(30), await ask(999999)], ['0', '0', '50']);
    const missing = await session.request((opaque) => ({ kind: 'offset', topic: 'never', group: 'g', partition: 0, offset: 0, opaque }));
    assert.equal(missing.kind === 'result' && missing.code, 404);
  });

  it('closed partitions answer 403 to put and get', async () => {
    broker.closedPartitions.close('orders', 0, 0);
    const putReply = await put(session, 'orders', 0, 'x');
    assert.equal(putReply.code, 403);
    assert.match(putReply.text, /partition\[7-0\] has been closed$/);
    assert.deepEqual(await get(session, 'orders', 0, 0).then((r) => [r.code, r.text]), [403, 'Partition[7-0] has been closed']);
    broker.closedPartitions.open('orders');
    assert.equal((await put(session, 'orders', 0, 'x')).code, 200);
  });

  it('serves every stats item in MetaQ format', async () => {
    const stats = async (item: string) => (await session.request((opaque) => ({ kind: 'stats', item, opaque }))).body.toString();
    const summary = await stats('');
    assert.match(
      summary,
      /^STATS\r\npid \d+\r\nbroker_id 7\r\nport \d+\r\nuptime \d+\r\nversion \S+\r\nslave false\r\ncurr_connections \d+\r\nthreads \d+\r\ncmd_put \d+\r\ncmd_get \d+\r\ncmd_offset \d+\r\ntx_begin 0\r\ntx_xa_begin 0\r\ntx_commit 0\r\ntx_rollback 0\r\nget_miss \d+\r\nput_failed [1-9]\d*\r\ntotal_messages \d+\r\ntopics \d+\r\nconfig_checksum \d+\r\n/,
    );
    assert.match(summary, /END\r\n$/);
    assert.match(await stats('topics'), /\r\norders partitions 2 message_count \d+ message_bytes \d+ accept_publish true accept_subscribe true\r\n/);
    assert.match(await stats('topics'), /\r\nlog-\* \*Empty\*\r\n/);
    assert.match(await stats('offsets'), /\r\norders part 1 min_offset 0 max_offset 50\r\n/);
    assert.match(
      await stats('realtime'),
      /^STATS\r\nrealtime_put null\r\nrealtime_get null\r\nrealtime_offset null\r\nrealtime_get_miss null\r\nrealtime_put_failed null\r\nrealtime_message_size null\r\nEND\r\n$/,
    );
    assert.match(await stats('help'), /\*EMPTY\* Returns broker info\./);
    assert.equal(await stats('reset'), 'STATS\r\nreset ok\r\nEND\r\n');
    assert.match(await stats('config'), /^\[system\]/);
    assert.match(await stats('orders'), /^STATS\r\norders\r\nresultCode 0\r\npartitions 2\r\nmessage_count \d+\r\nbytes \d+\r\ntopic_realtime_put null\r\n/);
    assert.match(await stats('unknown-topic'), /resultCode 1\r\n/);
  });

  it('answers bare stats and version with opaque 2147483647 (telnet use) and quit closes silently', async () => {
    const reply = await rawExchange(broker.port, Buffer.from('version\r\nstats\r\nquit\r\n'));
    assert.match(
      reply,
      /^result 200 \d+ 2147483647\r\n1\.4\.6\.3-metaq-[\d.]+ \+mput \+wget \+otime \+idem \+dput \+okeyresult 200 \d+ 2147483647\r\nSTATS\r\n/,
    );
    assert.match(reply, /END\r\n$/, 'nothing after quit');
  });

  it('answers 503 for sync, which a broker that is not a slave has no processor for', async () => {
    const sync = await session.request((opaque) => ({
      kind: 'sync',
      topic: 'orders',
      partition: 0,
      flag: 0,
      msgId: 1n,
      checksum: -1,
      opaque,
      body: Buffer.from('x'),
    }));
    assert.equal(sync.kind === 'result' && sync.code, 503);
  });

  it('a malformed frame is answered 400 with the reason and closes only that connection; a 2 GiB length is refused; nothing acked is lost', async () => {
    const before = await scanPartition(session, 'orders', 1);
    for (const garbage of ['hello broker\r\n', 'put orders 0 2147483647 0 1\r\n', 'get orders g 0 zero 100 1\r\n', `${'x'.repeat(10000)}`]) {
      const reply = await rawExchange(broker.port, Buffer.from(garbage));
      assert.match(reply, /^result 400 \d+ 0\r\nmalformed request, closing the connection: \S/, `a reason before the close, for ${garbage.slice(0, 20)}`);
    }
    assert.equal((await put(session, 'orders', 1, 'still here')).code, 200, 'other connections keep working');
    const afterScan = await scanPartition(session, 'orders', 1);
    assert.deepEqual(afterScan.slice(0, before.length), before);
  });
});
