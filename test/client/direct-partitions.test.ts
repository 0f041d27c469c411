import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Broker } from '../../src/broker/broker.js';
import { MetaqClient, MemoryOffsetStorage, keySelector } from '../../src/client/index.js';
import type { ReceivedMessage } from '../../src/client/index.js';
import { DirectRouter } from '../../src/client/partition-router.js';
import { parseBrokerUrl } from '../../src/client/transport/broker-address.js';
import { startBroker } from '../support/in-process-broker.js';

// Direct mode without ClientOptions.partitions: the client learns a topic's partitions from the broker (`stats <topic>`).
describe('direct mode learns partition counts from the broker', { timeout: 60_000 }, () => {
  let broker: Broker;
  let client: MetaqClient;

  before(async () => {
    broker = await startBroker({ numPartitions: 1 }, '[topic=x]\nnumPartitions=4\n[topic=*]\nnumPartitions=3\n');
    client = new MetaqClient({ serverUrl: `meta://127.0.0.1:${broker.port}` });
  });
  after(async () => {
    await client.close();
    await broker.stop();
  });

  it('sends round robin over all 4 partitions of a topic no partition of which exists yet', async () => {
    const producer = client.producer();
    const perPartition = [0, 0, 0, 0];
    for (let i = 0; i < 8; i++) perPartition[(await producer.send({ topic: 'x', data: `m${i}` })).partition.index]! += 1;
    assert.deepEqual(perPartition, [2, 2, 2, 2]);
  });

  it('a key selector maps keys over the 4 partitions, the same key always to the same one', async () => {
    const producer = client.producer({ selector: keySelector() });
    const byKey = new Map<string, Set<number>>();
    for (let i = 0; i < 40; i++) {
      const key = `k${i % 10}`;
      const result = await producer.send({ topic: 'x', data: `keyed ${i}`, key });
      byKey.set(key, (byKey.get(key) ?? new Set()).add(result.partition.index));
    }
    assert.ok([...byKey.values()].every((partitions) => partitions.size === 1));
    assert.ok(new Set([...byKey.values()].flatMap((p) => [...p])).size > 1, 'ten keys over four partitions use more than one');
  });

  it('a consumer without partitions reads all 4', async () => {
    const consumer = client.consumer({ group: 'all-four', offsetStorage: new MemoryOffsetStorage(), maxDelayFetchMs: 50 }).subscribe('x');
    const got: ReceivedMessage[] = [];
    let finished!: () => void;
    const done = new Promise<void>((resolve) => (finished = resolve));
    await consumer.run((message) => {
      got.push(message);
      if (got.length === 48) finished();
    });
    await done;
    await consumer.close();
    assert.deepEqual(new Set(got.map((m) => m.partition.index)), new Set([0, 1, 2, 3]));
  });

  it("a topic accepted through [topic=*] gets that section's numPartitions; transactions need no configured partitions", async () => {
    assert.deepEqual(await client.partitionIndexes('fresh'), [0, 1, 2]);
    const producer = client.producer();
    producer.beginTransaction();
    const sent = await producer.send({ topic: 'fresh', data: 'in a transaction' });
    await producer.commit();
    assert.ok(sent.partition.index >= 0 && sent.partition.index < 3);
  });

  it('ClientOptions.partitions still overrides what the broker says', async () => {
    const configured = new MetaqClient({ serverUrl: `meta://127.0.0.1:${broker.port}`, partitions: { x: 2 } });
    try {
      assert.deepEqual(await configured.partitionIndexes('x'), [0, 1]);
    } finally {
      await configured.close();
    }
  });

  it('asks again once the learned count is older than the TTL', async () => {
    let now = 0;
    let answer = 2;
    const asked: string[] = [];
    const router = new DirectRouter(
      parseBrokerUrl('meta://127.0.0.1:1'),
      {},
      (topic) => (asked.push(topic), Promise.resolve(answer)),
      1000,
      () => now,
    );
    assert.equal((await router.partitions('t')).length, 2);
    answer = 5;
    now = 999;
    assert.equal((await router.partitions('t')).length, 2);
    now = 1000;
    assert.equal((await router.partitions('t')).length, 5);
    router.forget('t');
    answer = 6;
    assert.equal((await router.partitions('t')).length, 6);
    assert.deepEqual(asked, ['t', 't', 't']);
  });
});
