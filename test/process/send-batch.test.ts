import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Broker } from '../../src/broker/broker.js';
import { InvalidArgumentError, MetaqClient } from '../../src/client/index.js';
import type { BatchSendResult } from '../../src/client/index.js';
import { idAfter } from '../../src/common/id-generator.js';
import { startBroker } from '../support/in-process-broker.js';
import { scanPartition, WireSession } from '../support/wire-client.js';

/** What a partition holds, read back over the wire. */
async function stored(broker: Broker, topic: string, partition: number): Promise<Array<{ offset: number; id: bigint; payload: string }>> {
  const session = await WireSession.open('127.0.0.1', broker.port);
  try {
    return (await scanPartition(session, topic, partition)).map(({ offset, id, payload }) => ({ offset, id: id ?? -1n, payload }));
  } finally {
    await session.close();
  }
}

const texts = (from: number, count: number, prefix = 'm'): string[] => Array.from({ length: count }, (_, n) => `${prefix}${from + n}`);

/** The batch's messages are exactly `records`, contiguous from the answered offset, with consecutive ids. */
function assertBatchStored(result: BatchSendResult, records: Array<{ offset: number; id: bigint; payload: string }>, payloads: string[]): void {
  const start = records.findIndex((record) => record.offset === result.offset);
  assert.ok(start >= 0, `a record starts at the answered offset ${result.offset}`);
  const batch = records.slice(start, start + payloads.length);
  assert.deepEqual(
    batch.map((record) => record.payload),
    payloads,
    'stored contiguously, in order',
  );
  const ids = result.sets.flatMap((set) => Array.from({ length: set.count }, (_, n) => idAfter(set.id, n)));
  assert.deepEqual(
    batch.map((record) => record.id),
    ids,
    'each set numbered from its answered id',
  );
  assert.deepEqual(
    result.sets.map((set) => set.offset),
    result.sets.map((_, n) => batch[result.sets.slice(0, n).reduce((sum, set) => sum + set.count, 0)]!.offset),
    'each set where it was stored',
  );
  assert.equal(result.id, batch[0]!.id);
  assert.equal(result.count, payloads.length);
}

describe('producer.sendBatch', () => {
  let broker: Broker;
  let client: MetaqClient;

  before(async () => {
    broker = await startBroker({}, '[topic=batches]\nnumPartitions=2\n[topic=*]\n');
    client = new MetaqClient({ serverUrl: broker.url, partitions: { batches: 2, split: 1, plain: 1, ordered: 1 } });
  });
  after(async () => {
    await client.close();
    await broker.stop();
  });

  it('stores a batch on one partition, contiguously and in order, and answers its first offset and id', async () => {
    const producer = client.producer();
    const payloads = texts(0, 500);
    const result = await producer.sendBatch(
      payloads.map((data) => ({ topic: 'batches', data })),
      { partition: { brokerId: 0, index: 1 } },
    );
    assert.equal(result.partition.index, 1);
    assert.equal(result.sets.length, 1);
    assertBatchStored(result, await stored(broker, 'batches', 1), payloads);
    assert.deepEqual(await stored(broker, 'batches', 0), [], 'nothing on the other partition');
  });

  it('splits a batch larger than maxBatchBytes into sets that stay in order on one partition', async () => {
    const producer = client.producer({ batching: { maxBatchBytes: 1024 } });
    const payloads = texts(0, 300, 'split-message-');
    const result = await producer.sendBatch(payloads.map((data) => ({ topic: 'split', data })));
    assert.ok(result.sets.length > 1, 'went as several sets');
    assertBatchStored(result, await stored(broker, 'split', 0), payloads);
  });

  it('keeps the order of sends and batches to the same partition', async () => {
    const producer = client.producer();
    const pending = [
      producer.send({ topic: 'ordered', data: 'a' }),
      producer.sendBatch(['b', 'c'].map((data) => ({ topic: 'ordered', data }))),
      producer.send({ topic: 'ordered', data: 'd' }),
    ];
    await Promise.all(pending);
    assert.deepEqual(
      (await stored(broker, 'ordered', 0)).map((record) => record.payload),
      ['a', 'b', 'c', 'd'],
    );
  });

  it('falls back to one put per message, in order, when batching is off', async () => {
    const producer = client.producer({ batching: false });
    const putsBefore = broker.counters.cmdPut;
    const payloads = texts(0, 50);
    const result = await producer.sendBatch(payloads.map((data) => ({ topic: 'plain', data })));
    assert.equal(broker.counters.cmdPut - putsBefore, 50);
    const records = await stored(broker, 'plain', 0);
    assert.deepEqual(
      records.map((record) => record.payload),
      payloads,
    );
    assert.equal(result.offset, records[0]!.offset);
    assert.equal(result.id, records[0]!.id);
  });

  it('keeps a split batch on the partition the broker picked when the client knows none (-1)', async () => {
    const picking = new MetaqClient({ serverUrl: broker.url });
    try {
      const payloads = texts(0, 200, 'picked-');
      const result = await picking.producer({ batching: { maxBatchBytes: 512 } }).sendBatch(payloads.map((data) => ({ topic: 'batches', data })));
      assertBatchStored(result, await stored(broker, 'batches', result.partition.index), payloads);
    } finally {
      await picking.close();
    }
  });

  it('refuses an empty batch and a batch of several topics, and stores nothing', async () => {
    const producer = client.producer();
    await assert.rejects(producer.sendBatch([]), InvalidArgumentError);
    const before = (await stored(broker, 'batches', 0)).length;
    await assert.rejects(
      producer.sendBatch([
        { topic: 'batches', data: 'x' },
        { topic: 'other', data: 'y' },
      ]),
      (error: Error) => error instanceof InvalidArgumentError && /messages\[1\]\.topic.*one topic/.test(error.message),
    );
    assert.equal((await stored(broker, 'batches', 0)).length, before);
  });
});
