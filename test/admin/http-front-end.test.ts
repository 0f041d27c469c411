import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MetaqClient } from '../../src/client/index.js';
import { iterateRecords } from '../../src/protocol/record.js';
import { checksum } from '../../src/common/checksum.js';
import { adminIni, startAdminFixture } from '../support/admin-fixture.js';
import type { AdminFixture } from '../support/admin-fixture.js';

describe("HTTP front end and the client's HTTP transport", () => {
  let f: AdminFixture;

  before(async () => {
    f = await startAdminFixture(adminIni());
  });
  after(async () => f.stop());

  it("puts, gets and asks offsets over plain HTTP with the wire's result codes", async () => {
    const body = Buffer.from('over-http');
    const put = await fetch(`${f.admin.url}/put/3?topic=orders&partition=1&flag=0&length=${body.length}&checksum=${checksum(body)}`, { method: 'POST', body });
    assert.equal(put.status, 200);
    assert.match(await put.text(), /^\d+ 1 0$/);
    const got = await fetch(`${f.admin.url}/get/3?topic=orders&partition=1&group=web&offset=0&maxsize=1024`);
    assert.equal(got.status, 200);
    const records = [...iterateRecords(Buffer.from(await got.arrayBuffer()))];
    assert.deepEqual(
      records.map((r) => r.payload.toString()),
      ['over-http'],
    );
    const end = await fetch(`${f.admin.url}/get?topic=orders&partition=1&group=web&offset=${records[0]!.size}`);
    assert.equal(end.status, 404);
    assert.equal(await end.text(), `Could not find message at position ${records[0]!.size}`);
    const offset = await fetch(`${f.admin.url}/offset?topic=orders&partition=1&offset=5`);
    assert.equal(offset.status, 200);
    assert.equal(await offset.text(), '0');
  });

  it('refuses malformed requests with 400 and a reason, and stores nothing', async () => {
    const cases: Array<[string, RequestInit | undefined, RegExp]> = [
      ['/put?topic=orders&partition=0&length=10', { method: 'POST', body: 'short' }, /length=10 but the body has 5 bytes/],
      ['/put?partition=0', { method: 'POST', body: 'x' }, /missing parameter topic/],
      ['/get?topic=orders&partition=zero&offset=0', undefined, /parameter partition must be an integer/],
      ['/offset?topic=orders&partition=0', undefined, /missing parameter offset/],
      [
        '/put?topic=orders%2F..%2F..%2Fx&partition=0',
        { method: 'POST', body: 'x' },
        /^invalid topic name "orders\/\.\.\/\.\.\/x": a topic name is 1 to 249 characters/,
      ],
      ['/put?topic=%00&partition=0', { method: 'POST', body: 'x' }, /^invalid topic name "\\u0000"/],
      ['/get?topic=orders&group=a%2Fb&partition=0&offset=0', undefined, /^invalid group name "a\/b"/],
    ];
    for (const [path, init, message] of cases) {
      const response = await fetch(`${f.admin.url}${path}`, init);
      assert.equal(response.status, 400, path);
      assert.match(await response.text(), message);
    }
    const crc = await fetch(`${f.admin.url}/put?topic=orders&partition=0&checksum=1`, { method: 'POST', body: 'x' });
    assert.equal(crc.status, 500, 'a wrong checksum is refused as on the wire');
    assert.match(await crc.text(), /Checksum failure/);
    assert.equal(f.broker.stores.find('orders', 0), undefined, 'nothing was stored in partition 0');
  });

  it('lets the client library produce and consume over http://', async () => {
    const client = new MetaqClient({ serverUrl: f.admin.url, partitions: { logs: 1 } });
    try {
      const producer = client.producer();
      for (let i = 0; i < 20; i += 1) await producer.send({ topic: 'logs', data: `line-${i}`, attribute: i === 3 ? 'attr' : undefined });
      const consumer = client.consumer({ group: 'http-readers', startFrom: 0, maxDelayFetchMs: 50 });
      consumer.subscribe('logs');
      const seen: string[] = [];
      for await (const message of consumer) {
        seen.push(`${message.data.toString()}${message.attribute === undefined ? '' : `/${message.attribute}`}`);
        if (seen.length === 20) break;
      }
      await consumer.close();
      assert.deepEqual(
        seen,
        Array.from({ length: 20 }, (_, i) => `line-${i}${i === 3 ? '/attr' : ''}`),
      );
      await assert.rejects(client.stats(), /only put, get and offset exist/);
    } finally {
      await client.close();
    }
  });
});
