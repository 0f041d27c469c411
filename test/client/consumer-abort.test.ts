import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Broker } from '../../src/broker/broker.js';
import { ClosedError, MemoryOffsetStorage, MetaqClient } from '../../src/client/index.js';
import type { Consumer, ReceivedMessage } from '../../src/client/index.js';
import { eventually } from '../support/eventually.js';
import { startBroker } from '../support/in-process-broker.js';

const isAbortError = { name: 'AbortError' };

describe('abort signals on consumers, get and browse', { timeout: 60_000 }, () => {
  let broker: Broker;
  let client: MetaqClient;
  let end: number;

  before(async () => {
    broker = await startBroker({ numPartitions: 1 });
    client = new MetaqClient({ serverUrl: broker.url });
    const sent = await client.producer().sendBatch(Array.from({ length: 3 }, (_, n) => ({ topic: 'aborted', data: `message ${n}` })));
    const last = await client.get('aborted', sent.partition.index, sent.offset);
    end = last.nextOffset;
  });
  after(async () => {
    await client.close();
    await broker.stop();
  });

  /** A consumer whose only commit is the one close() makes. */
  function consumerFor(group: string, storage: MemoryOffsetStorage): Consumer {
    return client.consumer({ group, offsetStorage: storage, commitIntervalMs: 3_600_000, maxDelayFetchMs: 20 }).subscribe('aborted');
  }

  /** Closed: committed where it got to, and consuming again is refused. */
  async function closedAt(consumer: Consumer, storage: MemoryOffsetStorage, group: string): Promise<void> {
    await eventually(async () => (await storage.load('aborted', group, { brokerId: 0, index: 0 }))?.offset === end, 'the commit on abort');
    await assert.rejects(
      consumer.run(() => undefined),
      ClosedError,
    );
  }

  it('run: aborting closes the consumer and commits what was processed', async () => {
    const storage = new MemoryOffsetStorage();
    const consumer = consumerFor('run-abort', storage);
    const controller = new AbortController();
    const seen: ReceivedMessage[] = [];
    await consumer.run((message) => void seen.push(message), { signal: controller.signal });
    await eventually(() => seen.length === 3, 'three messages');
    controller.abort();
    await closedAt(consumer, storage, 'run-abort');
  });

  it('run and runBatches: an aborted signal rejects at once with its reason and starts nothing', async () => {
    const consumer = consumerFor('pre-aborted', new MemoryOffsetStorage());
    await assert.rejects(
      consumer.run(() => undefined, { signal: AbortSignal.abort() }),
      isAbortError,
    );
    const reason = new Error('shutting down');
    await assert.rejects(
      consumer.runBatches(() => undefined, { signal: AbortSignal.abort(reason) }),
      (error) => error === reason,
    );
    assert.deepEqual([...consumer.positions()], []);
    await consumer.close();
  });

  it('runBatches: aborting closes the consumer and commits what was processed', async () => {
    const storage = new MemoryOffsetStorage();
    const consumer = consumerFor('batch-abort', storage);
    const controller = new AbortController();
    let seen = 0;
    await consumer.runBatches((batch) => void (seen += batch.length), { signal: controller.signal });
    await eventually(() => seen === 3, 'three messages');
    controller.abort();
    await closedAt(consumer, storage, 'batch-abort');
  });

  it('stream: aborting destroys the stream with an AbortError and closes the consumer', async () => {
    const storage = new MemoryOffsetStorage();
    const consumer = consumerFor('stream-abort', storage);
    const controller = new AbortController();
    const seen: ReceivedMessage[] = [];
    await assert.rejects(async () => {
      for await (const message of consumer.stream({ signal: controller.signal })) {
        seen.push(message as ReceivedMessage);
        if (seen.length === 3) controller.abort();
      }
    }, isAbortError);
    await closedAt(consumer, storage, 'stream-abort');
  });

  it('get and browse: an aborted signal rejects with its reason; browse stops between messages', async () => {
    await assert.rejects(client.get('aborted', 0, 0, { signal: AbortSignal.abort() }), isAbortError);
    const controller = new AbortController();
    const browsed: string[] = [];
    await assert.rejects(async () => {
      for await (const message of client.browse('aborted', { signal: controller.signal })) {
        browsed.push(message.data.toString());
        controller.abort();
      }
    }, isAbortError);
    assert.deepEqual(browsed, ['message 0']);
  });
});
