import assert from 'node:assert/strict';
import { eventually } from '../support/eventually.js';
import { after, before, describe, it } from 'node:test';
import type { Broker } from '../../src/broker/broker.js';
import { MetaqClient, MemoryOffsetStorage, BrokerError, InvalidArgumentError, keySelector } from '../../src/client/index.js';
import type { ReceivedMessage } from '../../src/client/index.js';
import { startBroker } from '../support/in-process-broker.js';

/** Collect `count` messages with a listener, then close the consumer. */
async function consumeN(client: MetaqClient, topic: string, count: number, storage: MemoryOffsetStorage, group = 'g1'): Promise<ReceivedMessage[]> {
  const consumer = client.consumer({ group, offsetStorage: storage, maxDelayFetchMs: 50 }).subscribe(topic);
  const got: ReceivedMessage[] = [];
  let finished!: () => void;
  const done = new Promise<void>((resolve) => (finished = resolve));
  await consumer.run((message) => {
    got.push(message);
    if (got.length === count) finished();
  });
  await done;
  await consumer.close();
  return got;
}

describe('client library against a real broker', { timeout: 60_000 }, () => {
  let broker: Broker;
  let client: MetaqClient;

  before(async () => {
    broker = await startBroker({ numPartitions: 1 }, '[topic=keyed]\nnumPartitions=2\n[topic=*]\n');
    client = new MetaqClient({ serverUrl: `meta://127.0.0.1:${broker.port}`, partitions: { keyed: 2 } });
  });
  after(async () => {
    await client.close();
    await broker.stop();
  });

  it('send resolves with partition, offset and a positive id; refusals are typed errors', async () => {
    const producer = client.producer();
    const first = await producer.send({ topic: 'orders', data: 'one' });
    const second = await producer.send({ topic: 'orders', data: Buffer.from('two'), attribute: 'tag' });
    assert.ok(first.id > 0n && second.id > first.id);
    assert.equal(typeof first.offset, 'number');
    await assert.rejects(
      producer.send({ topic: 'orders', data: 'x' }, { timeoutMs: 0 }),
      (e: unknown) => e instanceof InvalidArgumentError && /timeoutMs/.test(e.message),
    );
    await assert.rejects(
      producer.send({ topic: 'has space', data: 'x' }),
      (e: unknown) => e instanceof InvalidArgumentError && /message\.topic/.test(e.message),
    );
    await assert.rejects(
      producer.send({ topic: 't', data: 42 as unknown as string }),
      (e: unknown) => e instanceof InvalidArgumentError && /message\.data/.test(e.message),
    );
    broker.closedPartitions.close('closed', 0, 1);
    await assert.rejects(client.producer().send({ topic: 'closed', data: 'x' }), (e: unknown) => e instanceof BrokerError && e.status === 403);
  });

  it('sendAll keeps at most inFlight sends outstanding and reports every outcome in order', async () => {
    const producer = client.producer();
    const results: string[] = [];
    const messages = Array.from({ length: 20 }, (_, i) => ({ topic: i === 7 ? 'bad topic' : 'bulk', data: `b${i}` }));
    const { sent, failed } = await producer.sendAll(messages, {
      inFlight: 3,
      onResult: (message, error) => results.push(`${String(message.data)}:${error ? error.constructor.name : 'ok'}`),
    });
    assert.deepEqual([sent, failed], [19, 1]);
    assert.equal(results.length, 20);
    assert.ok(results.includes('b7:InvalidArgumentError'));
  });

  it('a key selector keeps one key on one partition', async () => {
    const producer = client.producer({ selector: keySelector() });
    const partitions = new Set<number>();
    for (let i = 0; i < 10; i += 1) partitions.add((await producer.send({ topic: 'keyed', data: `v${i}`, key: 'customer-7' })).partition.index);
    assert.equal(partitions.size, 1);
  });

  it('a listener gets every message in order with its attribute; offsets resume after a restart', async () => {
    const producer = client.producer();
    const sent = await Promise.all(
      Array.from({ length: 50 }, (_, i) => producer.send({ topic: 'events', data: `e${i}`, attribute: i % 2 ? 'odd' : undefined })),
    );
    const storage = new MemoryOffsetStorage();
    const got = await consumeN(client, 'events', 50, storage);
    assert.deepEqual(
      got.map((m) => m.data.toString()),
      sent.map((_, i) => `e${i}`),
    );
    assert.equal(got[1]!.attribute, 'odd');
    assert.deepEqual(
      got.map((m) => m.offset),
      sent.map((s) => s.offset),
    );
    await producer.send({ topic: 'events', data: 'late' });
    const resumed = await consumeN(client, 'events', 1, storage);
    assert.deepEqual(
      resumed.map((m) => m.data.toString()),
      ['late'],
      'the committed offset was used',
    );
  });

  it('for await and stream() deliver in order', async () => {
    const producer = client.producer();
    for (let i = 0; i < 5; i += 1) await producer.send({ topic: 'iter', data: `i${i}` });
    const seen: string[] = [];
    for await (const message of client.consumer({ group: 'g2', maxDelayFetchMs: 50 }).subscribe('iter')) {
      seen.push(message.data.toString());
      if (seen.length === 5) break;
    }
    assert.deepEqual(seen, ['i0', 'i1', 'i2', 'i3', 'i4']);
    const streamed: string[] = [];
    for await (const message of client.consumer({ group: 'g3', maxDelayFetchMs: 50 }).subscribe('iter').stream()) {
      streamed.push((message as ReceivedMessage).data.toString());
      if (streamed.length === 5) break;
    }
    assert.deepEqual(streamed, seen);
  });

  it('a failing listener is retried, then the message goes to onReject and is skipped', async () => {
    const producer = client.producer();
    await producer.send({ topic: 'poison', data: 'bad' });
    await producer.send({ topic: 'poison', data: 'good' });
    const attempts: string[] = [];
    const rejected: string[] = [];
    let finished!: () => void;
    const done = new Promise<void>((resolve) => (finished = resolve));
    const consumer = client
      .consumer({ group: 'g4', maxDelayFetchMs: 20, maxFetchRetries: 2, onReject: (m) => void rejected.push(m.data.toString()) })
      .subscribe('poison');
    await consumer.run((message) => {
      attempts.push(message.data.toString());
      if (message.data.toString() === 'bad') throw new Error('cannot handle');
      finished();
    });
    await done;
    await consumer.close();
    assert.deepEqual(attempts, ['bad', 'bad', 'bad', 'good'], 'first try plus maxFetchRetries retries');
    assert.deepEqual(rejected, ['bad']);
  });

  it('a slow listener holds back fetching: one batch and one prefetch per partition, no backlog buffered', async () => {
    const producer = client.producer();
    await Promise.all(Array.from({ length: 200 }, (_, i) => producer.send({ topic: 'slow', data: `s${i}`.padEnd(1000, '.') })));
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    let firstCall!: () => void;
    const started = new Promise<void>((resolve) => (firstCall = resolve));
    const getsBefore = broker.counters.cmdGet;
    const consumer = client.consumer({ group: 'g5' }).subscribe('slow', { maxSize: 16 * 1024 });
    await consumer.run(async () => {
      calls += 1;
      firstCall();
      await blocked;
    });
    try {
      await started;
      // The batch's get was answered; the get for the next batch is already out (one partition).
      await eventually(() => broker.counters.cmdGet >= getsBefore + 2, 'the prefetch reaches the broker');
      const getsWhileBlocked = broker.counters.cmdGet;
      assert.equal(getsWhileBlocked - getsBefore, 2, 'the first batch and one prefetch, nothing more');
      for (let i = 0; i < 20; i += 1) await new Promise((resolve) => setImmediate(resolve));
      assert.equal(broker.counters.cmdGet, getsWhileBlocked, 'no further fetch while the listener is busy');
      assert.equal(calls, 1);
    } finally {
      release();
      await consumer.close();
    }
  });

  it('stats returns key/value maps per broker', async () => {
    const stats = await client.stats();
    const values = [...stats.values()][0]!;
    assert.equal(values.get('broker_id'), '0');
    assert.ok(Number(values.get('cmd_put')) > 0);
  });
});

describe('reconnect', { timeout: 60_000 }, () => {
  it('a producer reconnects after the broker restarts on the same port', async () => {
    const first = await startBroker();
    const port = first.port;
    const dataPath = first.config.system.dataPath;
    const client = new MetaqClient({ serverUrl: `meta://127.0.0.1:${port}`, connection: { reconnectInitialMs: 20, reconnectMaxMs: 200 } });
    const producer = client.producer();
    await producer.send({ topic: 'r', data: 'before' });
    await first.stop();
    const second = await startBroker({ serverPort: port, dataPath });
    const result = await producer.send({ topic: 'r', data: 'after' }, { timeoutMs: 10_000 });
    assert.ok(result.offset > 0, 'the restarted broker kept the data and appended after it');
    await client.close();
    await second.stop();
  });
});
