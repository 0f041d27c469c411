import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Broker } from '../../src/broker/broker.js';
import { InvalidArgumentError, MetaqClient } from '../../src/client/index.js';
import type { PartitionSelector } from '../../src/client/index.js';
import { tempDir } from '../support/broker-process.js';
import { startBroker } from '../support/in-process-broker.js';

/** Payloads of a partition, in offset order. */
async function readAll(client: MetaqClient, topic: string, partition: number): Promise<string[]> {
  const out: string[] = [];
  for await (const message of client.browse(topic, { partitions: [partition] })) out.push(message.data.toString());
  return out;
}

describe('ordered and async producers', { timeout: 60_000 }, () => {
  let broker: Broker;
  let client: MetaqClient;

  before(async () => {
    broker = await startBroker({ numPartitions: 1 }, '[topic=ord]\nnumPartitions=2\n[topic=*]\n');
    client = new MetaqClient({ serverUrl: `meta://127.0.0.1:${broker.port}`, partitions: { ord: 2 } });
  });
  after(async () => {
    await client.close();
    await broker.stop();
  });

  it('the ordered producer keeps messages locally while their partition is closed, then resends them in order', async () => {
    const byKey: PartitionSelector = (_topic, partitions, message) => partitions[message.key === 'odd' ? 1 : 0]!;
    const producer = client.orderedProducer({ selector: byKey, localDir: tempDir('ordered') });
    broker.closedPartitions.close('ord', 1, 1);
    const results = [];
    for (let i = 0; i < 6; i += 1) results.push(await producer.send({ topic: 'ord', data: `o${i}`, key: i % 2 ? 'odd' : 'even' }));
    assert.deepEqual(
      results.map((r) => r.storedLocally),
      [false, true, false, true, false, true],
    );
    const waiting = await producer.waiting();
    assert.equal(waiting.get('ord@0-1'), 3);
    assert.equal(waiting.get('ord@0-0') ?? 0, 0);
    broker.closedPartitions.open('ord');
    // A new message for the reopened partition waits behind the backlog: the backlog is resent first.
    const after = await producer.send({ topic: 'ord', data: 'o7', key: 'odd' });
    assert.equal(after.storedLocally, false);
    assert.deepEqual(await readAll(client, 'ord', 1), ['o1', 'o3', 'o5', 'o7']);
    assert.deepEqual(await readAll(client, 'ord', 0), ['o0', 'o2', 'o4']);
    await assert.rejects(
      producer.send({ topic: 'unconfigured', data: 'x' }),
      (e: unknown) => e instanceof InvalidArgumentError && /partitions/.test(e.message),
    );
  });

  it('the async producer never waits: a full window spills locally and the spill is resent in order', async () => {
    const producer = client.asyncProducer({ windowUnits: 2, localDir: tempDir('async') });
    for (let i = 0; i < 10; i += 1) producer.send({ topic: 'fire', data: `f${i}` });
    const waiting = await producer.waiting();
    assert.equal(waiting.get('fire'), 8, 'two in flight, eight spilled');
    await producer.resend();
    assert.equal((await producer.waiting()).get('fire'), 0);
    const stored = await readAll(client, 'fire', 0);
    assert.equal(stored.length, 10);
    assert.deepEqual(stored.slice(2), ['f2', 'f3', 'f4', 'f5', 'f6', 'f7', 'f8', 'f9'], 'spilled messages keep their order');
    assert.throws(() => producer.send({ topic: '', data: 'x' }), InvalidArgumentError);
    await producer.close();
  });
});
