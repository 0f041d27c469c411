import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Broker } from '../../src/broker/broker.js';
import { InvalidArgumentError, MemoryOffsetStorage, MetaqClient } from '../../src/client/index.js';
import type { MessageBatch, ReceivedMessage } from '../../src/client/index.js';
import { startBroker } from '../support/in-process-broker.js';

/** Consume with runBatches until `count` messages arrived; every batch is returned as messages. */
async function consumeBatches(
  client: MetaqClient,
  topic: string,
  count: number,
  storage: MemoryOffsetStorage,
  handle?: (batch: MessageBatch) => void,
): Promise<{ batches: ReceivedMessage[][]; sizes: number[] }> {
  const batches: ReceivedMessage[][] = [];
  const sizes: number[] = [];
  let seen = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const consumer = client.consumer({ group: 'batches', offsetStorage: storage, maxDelayFetchMs: 20 }).subscribe(topic);
  await consumer.runBatches((batch) => {
    handle?.(batch); // may throw: the batch is handed over again
    // Batch views are valid until the handler returns: keep copies.
    batches.push([...batch].map((message) => ({ ...message, data: Buffer.from(message.data) })));
    sizes.push(batch.nextOffset(batch.length - 1) - batch.offset(0));
    seen += batch.length;
    if (seen >= count) done();
  });
  await finished;
  await consumer.close();
  return { batches, sizes };
}

describe('consumer.runBatches', { timeout: 60_000 }, () => {
  let broker: Broker;
  let client: MetaqClient;

  before(async () => {
    broker = await startBroker({ numPartitions: 1 }, '[topic=*]\n');
    client = new MetaqClient({ serverUrl: broker.url });
  });
  after(async () => {
    await client.close();
    await broker.stop();
  });

  it('hands over every message once, in order, in checked batches of at most 128 KiB, and commits past them', async () => {
    const producer = client.producer();
    const sent = await producer.sendBatch(
      Array.from({ length: 3000 }, (_, n) => ({ topic: 'plain', data: `message ${n}`.padEnd(100, '.'), attribute: n % 2 === 0 ? `a${n}` : undefined })),
    );
    const storage = new MemoryOffsetStorage();
    const { batches, sizes } = await consumeBatches(client, 'plain', 3000, storage);
    const messages = batches.flat();
    assert.deepEqual(
      messages.map((m) => m.data.toString().trimEnd().replace(/\.+$/, '')),
      Array.from({ length: 3000 }, (_, n) => `message ${n}`),
    );
    assert.deepEqual(
      messages.map((m) => m.attribute),
      Array.from({ length: 3000 }, (_, n) => (n % 2 === 0 ? `a${n}` : undefined)),
    );
    assert.equal(messages[0]!.id, sent.id);
    assert.equal(messages[0]!.offset, sent.offset);
    messages.slice(1).forEach((m, n) => assert.equal(m.offset, messages[n]!.nextOffset, 'contiguous'));
    assert.ok(batches.length > 1 && sizes.every((size) => size <= 128 * 1024), `batches of at most 128 KiB (${sizes.join(', ')})`);
    // A new consumer of the group starts after everything the handler returned from.
    await producer.send({ topic: 'plain', data: 'after' });
    const { batches: later } = await consumeBatches(client, 'plain', 1, storage);
    assert.deepEqual(
      later.flat().map((m) => m.data.toString()),
      ['after'],
    );
  });

  it("keeps a batch's bytes intact until its handler returns while later fetches arrive into reused buffers", async () => {
    // About 6 MiB: several 1 MiB fetches, each landing while the handler of the one before waits.
    const count = 20_000;
    const text = (n: number): string => `m${n}:`.padEnd(300, String.fromCharCode(97 + (n % 26)));
    const producer = client.producer();
    for (let from = 0; from < count; from += 2000)
      await producer.sendBatch(Array.from({ length: 2000 }, (_, k) => ({ topic: 'reused', data: text(from + k) })));
    let seen = 0;
    const wrong: string[] = [];
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const consumer = client.consumer({ group: 'reused', offsetStorage: new MemoryOffsetStorage(), maxDelayFetchMs: 20 }).subscribe('reused');
    await consumer.runBatches(async (batch) => {
      const first = batch.data(0);
      await new Promise((resolve) => setImmediate(resolve)); // the prefetched reply is read meanwhile
      await new Promise((resolve) => setTimeout(resolve, 1));
      for (let n = 0; n < batch.length; n += 1) {
        if (batch.data(n).toString() !== text(seen + n)) wrong.push(`message ${seen + n}`);
      }
      if (first.toString() !== text(seen)) wrong.push(`view of message ${seen} taken before the wait`);
      seen += batch.length;
      if (seen >= count) done();
    });
    await finished;
    await consumer.close();
    assert.equal(seen, count);
    assert.deepEqual(wrong, []);
  });

  it('hands a failed batch over again, whole, and loses nothing', async () => {
    const producer = client.producer();
    await producer.sendBatch(Array.from({ length: 50 }, (_, n) => ({ topic: 'failing', data: `f${n}` })));
    let failures = 0;
    const { batches } = await consumeBatches(client, 'failing', 50, new MemoryOffsetStorage(), (batch) => {
      if (failures < 2) {
        failures += 1;
        assert.equal(batch.data(0).toString(), 'f0', 'the same batch again');
        throw new Error('handler failed');
      }
    });
    assert.equal(failures, 2);
    assert.deepEqual(
      batches.flat().map((m) => m.data.toString()),
      Array.from({ length: 50 }, (_, n) => `f${n}`),
    );
  });

  it('hands over a compressed set as one batch whose messages share its offset and take consecutive ids', async () => {
    const producer = client.producer({ batching: { compression: 'gzip' } });
    const sent = await producer.sendBatch(Array.from({ length: 40 }, (_, n) => ({ topic: 'zipped', data: `z${n}` })));
    const { batches } = await consumeBatches(client, 'zipped', 40, new MemoryOffsetStorage());
    const messages = batches.flat();
    assert.deepEqual(
      messages.map((m) => m.data.toString()),
      Array.from({ length: 40 }, (_, n) => `z${n}`),
    );
    assert.ok(messages.every((m) => m.offset === sent.offset && m.nextOffset === messages[0]!.nextOffset));
    assert.deepEqual(
      messages.map((m) => m.id),
      Array.from({ length: 40 }, (_, n) => sent.id + BigInt(n)),
    );
  });

  it('refuses what it cannot honour: filters, manual ack, onReject, a handler that is not a function', async () => {
    const filtered = client.consumer({ group: 'refused' }).subscribe('plain', { filter: () => true });
    await assert.rejects(
      filtered.runBatches(() => undefined),
      (error: Error) => error instanceof InvalidArgumentError && /filter/.test(error.message),
    );
    await assert.rejects(
      client
        .consumer({ group: 'refused', autoAck: false })
        .subscribe('plain')
        .runBatches(() => undefined),
      /autoAck/,
    );
    await assert.rejects(
      client
        .consumer({ group: 'refused', onReject: 'drop' })
        .subscribe('plain')
        .runBatches(() => undefined),
      /onReject/,
    );
    await assert.rejects(
      client
        .consumer({ group: 'refused' })
        .subscribe('plain')
        .runBatches(undefined as never),
      /handler/,
    );
  });
});
