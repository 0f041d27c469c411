import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Broker } from '../../src/broker/broker.js';
import { InvalidArgumentError, MemoryOffsetStorage, MetaqClient } from '../../src/client/index.js';
import type { Consumer, ReceivedMessage } from '../../src/client/index.js';
import { tempDir } from '../support/broker-process.js';
import { startBroker } from '../support/in-process-broker.js';

/** Run a listener until `until` holds (checked after each call), then close the consumer. */
async function runUntil(consumer: Consumer, listener: (message: ReceivedMessage) => Promise<void> | void, until: () => boolean): Promise<void> {
  let finished!: () => void;
  const done = new Promise<void>((resolve) => (finished = resolve));
  await consumer.run(async (message) => {
    try {
      await listener(message);
    } finally {
      if (until()) finished();
    }
  });
  await done;
  await consumer.close();
}

describe('consumer features', { timeout: 60_000 }, () => {
  let broker: Broker;
  let client: MetaqClient;

  before(async () => {
    broker = await startBroker({ numPartitions: 1 }, '[topic=multi]\nnumPartitions=3\n[topic=*]\n');
    client = new MetaqClient({ serverUrl: `meta://127.0.0.1:${broker.port}`, partitions: { multi: 3 } });
  });
  after(async () => {
    await client.close();
    await broker.stop();
  });

  it("onReject: 'recover' keeps a failing message on disk and redelivers it, across restarts", async () => {
    const recoverDir = tempDir('recover');
    const producer = client.producer();
    await producer.send({ topic: 'rec', data: 'poison' });
    await producer.send({ topic: 'rec', data: 'fine' });
    const seen: string[] = [];
    const first = client.consumer({ group: 'rec1', onReject: 'recover', recoverDir, maxFetchRetries: 1, maxDelayFetchMs: 20 }).subscribe('rec');
    await runUntil(
      first,
      (message) => {
        seen.push(message.data.toString());
        if (message.data.toString() === 'poison') throw new Error('not yet');
      },
      () => seen.includes('fine'),
    );
    assert.deepEqual(seen, ['poison', 'poison', 'fine'], 'retried once, then set aside; the partition moved on');

    // A new consumer (as after a restart) finds the stored message and redelivers it.
    const recovered: string[] = [];
    const second = client
      .consumer({ group: 'rec1', onReject: 'recover', recoverDir, maxDelayFetchMs: 20, offsetStorage: new MemoryOffsetStorage(), startFrom: 'newest' })
      .subscribe('rec');
    await second.run((message) => void recovered.push(message.data.toString()));
    assert.deepEqual(await second.recoveryStore!.pending(), new Map([['rec', 1]]));
    await second.recoveryStore!.redeliver();
    assert.deepEqual(recovered, ['poison']);
    assert.deepEqual(await second.recoveryStore!.pending(), new Map([['rec', 0]]));
    await second.close();
  });

  it('browse yields every message of every partition in partition order', async () => {
    const producer = client.producer();
    for (let i = 0; i < 9; i += 1) await producer.send({ topic: 'multi', data: `b${i}` });
    const browsed: Array<[number, string]> = [];
    for await (const message of client.browse('multi')) browsed.push([message.partition.index, message.data.toString()]);
    assert.equal(browsed.length, 9);
    assert.deepEqual(
      browsed.map(([p]) => p),
      [...browsed.map(([p]) => p)].sort((a, b) => a - b),
    );
  });

  it('a broadcast consumer gets its own per-host group', async () => {
    const consumer = client.broadcastConsumer({ group: 'cache', offsetStorage: new MemoryOffsetStorage() });
    assert.match(consumer.group, /^cache-\d+-\d+-\d+-\d+$/);
    await consumer.close();
  });

  it('manual ack commits only what was acked; rollback redelivers since the last ack', async () => {
    const producer = client.producer();
    for (let i = 0; i < 4; i += 1) await producer.send({ topic: 'acks', data: `a${i}` });
    const storage = new MemoryOffsetStorage();
    const consumer = client.consumer({ group: 'acker', autoAck: false, offsetStorage: storage, maxDelayFetchMs: 20 }).subscribe('acks');
    const seen: string[] = [];
    let rolledBack = false;
    await runUntil(
      consumer,
      (message) => {
        seen.push(message.data.toString());
        if (message.data.toString() === 'a1') consumer.ack(message);
        if (message.data.toString() === 'a2' && !rolledBack) {
          rolledBack = true;
          consumer.rollback(message);
        }
      },
      () => seen.length === 5,
    );
    assert.deepEqual(seen, ['a0', 'a1', 'a2', 'a2', 'a3'], 'a2 redelivered after the rollback');
    const stored = await storage.load('acks', 'acker', { brokerId: 0, index: 0 });
    assert.equal(stored?.offset, 2 * (20 + 2), 'the commit holds the acked position (after a1), not the processed one');
  });

  it('a consumer at a misaligned offset detects the bad checksum, asks for a valid offset and delivers nothing corrupt', async () => {
    const producer = client.producer();
    for (let i = 0; i < 3; i += 1) await producer.send({ topic: 'misaligned', data: `m${i}` });
    const seen: ReceivedMessage[] = [];
    const consumer = client.consumer({ group: 'misaligned', startFrom: 7, maxDelayFetchMs: 20 }).subscribe('misaligned');
    await runUntil(
      consumer,
      (message) => void seen.push(message),
      () => seen.length === 3,
    );
    assert.deepEqual(
      seen.map((m) => [m.offset, m.data.toString()]),
      [
        [0, 'm0'],
        [22, 'm1'],
        [44, 'm2'],
      ],
      'resumed from the segment start',
    );
  });

  it("onReject: 'drop' skips a message that keeps failing", async () => {
    const producer = client.producer();
    await producer.send({ topic: 'dropping', data: 'bad' });
    await producer.send({ topic: 'dropping', data: 'next' });
    const seen: string[] = [];
    const consumer = client.consumer({ group: 'dropper', onReject: 'drop', maxFetchRetries: 1, maxDelayFetchMs: 20 }).subscribe('dropping');
    await runUntil(
      consumer,
      (message) => {
        seen.push(message.data.toString());
        if (message.data.toString() === 'bad') throw new Error('always fails');
      },
      () => seen.includes('next'),
    );
    assert.deepEqual(seen, ['bad', 'bad', 'next']);
  });

  it('a client-side filter skips messages but moves past them', async () => {
    const producer = client.producer();
    for (const attribute of ['keep', 'drop', 'keep']) await producer.send({ topic: 'filtered', data: attribute, attribute });
    const seen: string[] = [];
    const storage = new MemoryOffsetStorage();
    const consumer = client
      .consumer({ group: 'filter', offsetStorage: storage, maxDelayFetchMs: 20 })
      .subscribe('filtered', { filter: (m) => m.attribute === 'keep' });
    await runUntil(
      consumer,
      (message) => void seen.push(message.data.toString()),
      () => seen.length === 2,
    );
    assert.deepEqual(seen, ['keep', 'keep']);
  });

  it('wrong input to public functions gives a typed error naming the argument', () => {
    const cases: Array<[() => unknown, RegExp]> = [
      [() => new MetaqClient({ serverUrl: 'ftp://x' }), /serverUrl/],
      [() => new MetaqClient(undefined as never), /options/],
      [() => client.consumer({ group: 'bad group' }), /options\.group/],
      [() => client.consumer({ group: 'a.b' }), /options\.group/],
      [() => client.consumer({ group: 'g', commitIntervalMs: -1 }), /options\.commitIntervalMs/],
      [() => client.consumer({ group: 'g', onReject: 'never' as never }), /options\.onReject/],
      [() => client.consumer({ group: 'g' }).subscribe(''), /topic/],
      [() => client.consumer({ group: 'g' }).subscribe('t', { maxSize: 0 }), /options\.maxSize/],
      [() => client.producer({ sendTimeoutMs: 1.5 }), /sendTimeoutMs/],
      [() => client.consumer({ group: 'g' }).ack({} as never), /ack/],
    ];
    for (const [call, argument] of cases) assert.throws(call, (error: unknown) => error instanceof InvalidArgumentError && argument.test(error.message));
  });
});
