import pino from 'pino';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Broker } from '../../src/broker/broker.js';
import { MetaqClient } from '../../src/client/index.js';
import { checksum } from '../../src/common/checksum.js';
import { describeId, idAfter, IdGenerator } from '../../src/common/id-generator.js';
import { offeredExtensions } from '../../src/protocol/commands.js';
import { FLAG_COMPRESSED_SET, zstdAvailable } from '../../src/protocol/compressed-set.js';
import { RECORD_HEADER_SIZE, writeRecordHeader } from '../../src/protocol/record.js';
import { startBroker } from '../support/in-process-broker.js';
import { eventually } from '../support/eventually.js';
import { scanPartition, WireSession } from '../support/wire-client.js';

/** A message set as a client builds it: records with the placeholder id -1. */
function messageSet(payloads: string[], corrupt?: number): Buffer {
  return Buffer.concat(
    payloads.map((text, n) => {
      const payload = Buffer.from(text);
      const header = Buffer.allocUnsafe(RECORD_HEADER_SIZE);
      writeRecordHeader(header, 0, payload.length, n === corrupt ? checksum(payload) ^ 1 : checksum(payload), -1n, 0);
      return Buffer.concat([header, payload]);
    }),
  );
}

describe('batched put (mput, negotiated through version)', () => {
  let broker: Broker;
  let session: WireSession;
  const mput = (topic: string, partition: number, body: Buffer, count: number) =>
    session.request((opaque) => ({ kind: 'mput', topic, partition, count, opaque, body }));

  before(async () => {
    broker = await startBroker({ brokerId: 5 }, '[topic=sets]\nnumPartitions=2\n[topic=*]\n');
    session = await WireSession.open('127.0.0.1', broker.port);
  });
  after(async () => {
    await session.close();
    await broker.stop();
  });

  it('is offered in the version reply, after the version MetaQ clients read', async () => {
    const reply = await session.request((opaque) => ({ kind: 'version', opaque }));
    const text = reply.body.toString();
    assert.match(text, /^1\.4\.6\.3-metaq-\S+ \+mput \+wget \+otime \+idem \+dput \+okey$/);
    assert.deepEqual([...offeredExtensions(text)], ['+mput', '+wget', '+otime', '+idem', '+dput', '+okey']);
    assert.deepEqual([...offeredExtensions('1.4.6.3-SNAPSHOT')], [], 'a MetaQ broker offers nothing');
  });

  it('stores the set in one piece and answers the first id and offset; each record gets its id', async () => {
    const reply = await mput('sets', 1, messageSet(['a', 'bb', 'ccc']), 3);
    assert.equal(reply.kind === 'result' && reply.code, 200);
    const [firstId, partition, firstOffset, count] = reply.body.toString().split(' ');
    assert.deepEqual([partition, firstOffset, count], ['1', '0', '3']);
    assert.equal(describeId(BigInt(firstId!)).brokerId, 5);
    const records = await scanPartition(session, 'sets', 1);
    assert.deepEqual(
      records.map((r) => [r.offset, r.payload, r.intact]),
      [
        [0, 'a', true],
        [21, 'bb', true],
        [43, 'ccc', true],
      ],
    );
    assert.deepEqual(
      records.map((r) => r.id),
      [0, 1, 2].map((n) => idAfter(BigInt(firstId!), n)),
    );
  });

  it('refuses a set with a bad checksum, a short record or a wrong count, and stores none of it', async () => {
    const before = (await scanPartition(session, 'sets', 0)).length;
    const bad = await mput('sets', 0, messageSet(['x', 'y', 'z'], 1), 3);
    assert.equal(bad.kind === 'result' && bad.code, 500);
    assert.match(bad.body.toString(), /record 1 at byte 21 is incomplete or fails its checksum; nothing of this set was stored/);
    const short = await mput('sets', 0, messageSet(['x', 'y']).subarray(0, 30), 2);
    assert.match(short.body.toString(), /record 1 at byte 21 is incomplete/);
    const counted = await mput('sets', 0, messageSet(['x', 'y']), 3);
    assert.match(counted.body.toString(), /the header says 3 records but the body holds 2/);
    assert.equal((await scanPartition(session, 'sets', 0)).length, before);
    const ok = await mput('sets', 0, messageSet(['still', 'served']), 2);
    assert.equal(ok.kind === 'result' && ok.code, 200, 'the connection keeps serving after refusals');
  });

  it('refuses an unknown partition as put does', async () => {
    const reply = await mput('sets', 9, messageSet(['x']), 1);
    assert.equal(reply.kind === 'result' && reply.code, 500);
    assert.match(reply.body.toString(), /Put message to \[broker '.*'\] \[partition 'sets-9'\] failed/);
  });
});

describe('producer batching against a metaq broker', () => {
  let broker: Broker;
  let client: MetaqClient;

  before(async () => {
    broker = await startBroker({}, '[topic=batched]\nnumPartitions=3\n');
    client = new MetaqClient({ serverUrl: broker.url, partitions: { batched: 3 } });
  });
  after(async () => {
    await client.close();
    await broker.stop();
  });

  it('gathers concurrent sends into sets, and every send learns its own offset and id', async () => {
    const producer = client.producer({ batching: { maxBatchBytes: 4096 } });
    const putsBefore = broker.counters.cmdPut;
    const results = await Promise.all(Array.from({ length: 900 }, (_, n) => producer.send({ topic: 'batched', data: `message ${n}` })));
    assert.equal(broker.counters.cmdPut - putsBefore, 900, 'cmd_put counts messages, batched or not');
    const session = await WireSession.open('127.0.0.1', broker.port);
    try {
      for (let partition = 0; partition < 3; partition += 1) {
        const stored = await scanPartition(session, 'batched', partition);
        const sent = results.map((result, n) => ({ ...result, n })).filter((result) => result.partition.index === partition);
        assert.equal(stored.length, sent.length);
        const byOffset = new Map(stored.map((record) => [record.offset, record]));
        for (const result of sent) {
          const record = byOffset.get(result.offset);
          assert.equal(record?.payload, `message ${result.n}`, `offset ${result.offset} holds message ${result.n}`);
          assert.equal(record?.id, result.id);
        }
      }
    } finally {
      await session.close();
    }
    assert.equal(new Set(results.map((r) => r.id)).size, 900, 'ids are unique');
  });

  it('tells each send of a set longer than a millisecond of ids its own id and offset', async () => {
    // 5,000 records in one set need ids from at least two milliseconds (4,096 a millisecond).
    const producer = client.producer({ batching: { maxBatchBytes: 1024 * 1024 } });
    const partition = { brokerId: 0, index: 2 };
    const results = await Promise.all(Array.from({ length: 5000 }, (_, n) => producer.send({ topic: 'batched', data: `m${n}` }, { partition })));
    const session = await WireSession.open('127.0.0.1', broker.port);
    try {
      const byOffset = new Map((await scanPartition(session, 'batched', 2)).map((record) => [record.offset, record]));
      results.forEach((result, n) => {
        const record = byOffset.get(result.offset);
        assert.equal(record?.payload, `m${n}`, `offset ${result.offset} holds message ${n}`);
        assert.equal(record?.id, result.id, `message ${n} was told the id it was stored with`);
      });
    } finally {
      await session.close();
    }
  });

  it('sends one put per message when batching is off', async () => {
    const producer = client.producer({ batching: false });
    const [a, b] = await Promise.all([producer.send({ topic: 'batched', data: 'one' }), producer.send({ topic: 'batched', data: 'two' })]);
    assert.notEqual(a.id, b.id);
    assert.throws(() => client.producer({ batching: { lingerMs: -1 } }), /batching\.lingerMs/);
  });
});

describe('id blocks', () => {
  it('numbers a block across millisecond boundaries so idAfter finds every id, and later ids stay above it', () => {
    const ids = new IdGenerator(3, { wallMs: () => 1_700_000_000_000, monotonicMs: () => 0 });
    ids.next();
    const first = ids.nextBlock(10_000);
    const last = idAfter(first, 9_999);
    assert.ok(last > first);
    assert.equal(describeId(last).brokerId, 3);
    assert.equal(describeId(last).timeMs - describeId(first).timeMs, 2, '10,000 ids span three milliseconds of 4,096');
    assert.ok(ids.next() > last);
  });
});

describe('compressed sets (batching.compression)', () => {
  let broker: Broker;
  let client: MetaqClient;

  before(async () => {
    broker = await startBroker({}, '[topic=packed]\nnumPartitions=1\n[topic=packed-zstd]\nnumPartitions=1\n[topic=future]\nnumPartitions=1\n');
    client = new MetaqClient({ serverUrl: broker.url, partitions: { packed: 1, 'packed-zstd': 1 } });
  });
  after(async () => {
    await client.close();
    await broker.stop();
  });

  // zstd runs where Node has it (22.15+; CI runs the suite on Node 24 too).
  for (const codec of ['gzip', 'zstd'] as const)
    it(
      `stores a set as one ${codec} record and delivers every message with its attribute, id and offset`,
      { skip: codec === 'zstd' && !zstdAvailable() && `zstd needs Node.js 22.15 or later (this is ${process.version})` },
      async () => {
        const topic = codec === 'gzip' ? 'packed' : 'packed-zstd';
        const producer = client.producer({ batching: { compression: codec } });
        const sent = await Promise.all(
          Array.from({ length: 500 }, (_, n) => producer.send({ topic, data: `event ${n} ${'x'.repeat(80)}`, attribute: n % 2 === 0 ? 'even' : undefined })),
        );
        const stored = broker.stores.find(topic, 0)!;
        assert.ok(stored.writtenEnd < (500 * 100) / 4, `the log holds ${stored.writtenEnd} bytes for 500 messages of 90+ bytes: compressed`);
        const received: Array<{ data: string; attribute: string | undefined; id: bigint; offset: number }> = [];
        const consumer = client.consumer({ group: `unpack-${codec}`, startFrom: 0 }).subscribe(topic);
        await consumer.run((message) => {
          received.push({ data: message.data.toString(), attribute: message.attribute, id: message.id, offset: message.offset });
        });
        await eventually(() => received.length >= 500, 'all 500 messages delivered');
        await consumer.close();
        assert.equal(received.length, 500);
        received.forEach((message, n) => {
          assert.equal(message.data, `event ${n} ${'x'.repeat(80)}`);
          assert.equal(message.attribute, n % 2 === 0 ? 'even' : undefined);
          assert.equal(message.id, sent[n]!.id, 'the consumer sees the id the producer was told');
          assert.equal(message.offset, sent[n]!.offset, 'and the offset of the record holding it');
        });
        assert.equal(new Set(received.map((m) => m.id)).size, 500);
      },
    );

  it('refuses zstd where Node has no zstd, and unknown codecs', () => {
    if (!zstdAvailable()) assert.throws(() => client.producer({ batching: { compression: 'zstd' } }), /zstd needs Node\.js 22\.15 or later/);
    assert.throws(() => client.producer({ batching: { compression: 'lz4' as never } }), /must be 'gzip' or 'zstd'/);
  });

  it('stops at an intact set whose codec this Node cannot expand, saying so, instead of skipping it as corrupt', async () => {
    const session = await WireSession.open('127.0.0.1', broker.port);
    try {
      const payload = Buffer.concat([Buffer.from([0, 0, 0, 3]), Buffer.from('from a newer producer')]); // 3 messages, codec 3
      const record = Buffer.allocUnsafe(RECORD_HEADER_SIZE + payload.length);
      writeRecordHeader(record, 0, payload.length, checksum(payload), -1n, FLAG_COMPRESSED_SET | (3 << 29));
      payload.copy(record, RECORD_HEADER_SIZE);
      const reply = await session.request((opaque) => ({ kind: 'mput', topic: 'future', partition: 0, count: 1, opaque, body: record }));
      assert.equal(reply.kind === 'result' && reply.code, 200);
    } finally {
      await session.close();
    }
    const reader = new MetaqClient({ serverUrl: broker.url });
    try {
      await assert.rejects(reader.get('future', 0, 0), /codec 3, which this metaq version does not know: upgrade the consumer/);
      const logged: string[] = [];
      const logger = pino({ level: 'error' }, { write: (line: string) => void logged.push(line) });
      let delivered = 0;
      const consumer = reader.consumer({ group: 'future', logger, maxDelayFetchMs: 20 }).subscribe('future');
      await consumer.run(() => {
        delivered += 1;
      });
      await eventually(() => logged.length >= 2, 'the consumer reports the unreadable set, again on each retry');
      assert.deepEqual([...consumer.positions().values()], [0], 'the partition did not move past it');
      await consumer.close();
      assert.equal(delivered, 0);
      assert.match(logged[0]!, /cannot read the messages at this offset/);
      assert.match(logged[0]!, /codec 3/);
    } finally {
      await reader.close();
    }
  });

  it('refuses a compressed record that claims no messages', async () => {
    const session = await WireSession.open('127.0.0.1', broker.port);
    try {
      const payload = Buffer.alloc(4); // count 0
      const record = Buffer.allocUnsafe(RECORD_HEADER_SIZE + 4);
      writeRecordHeader(record, 0, 4, checksum(payload), -1n, FLAG_COMPRESSED_SET | (1 << 29));
      payload.copy(record, RECORD_HEADER_SIZE);
      const reply = await session.request((opaque) => ({ kind: 'mput', topic: 'packed', partition: 0, count: 1, opaque, body: record }));
      assert.match(reply.body.toString(), /record 0 is a compressed set claiming 0 messages/);
    } finally {
      await session.close();
    }
  });
});
