import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { join } from 'node:path';
import { ClosedError, MemoryOffsetStorage, MetaqClient } from '../../src/client/index.js';
import type { Consumer } from '../../src/client/index.js';
import { killAllBrokers, startBrokerProcess, tempDir, writeConfig } from '../support/broker-process.js';

// `for await (… of consumer.messages({ signal }))`: the iterator takes a signal as run, runBatches and stream do.
describe('the for-await iterator with an abort signal', { timeout: 60_000 }, () => {
  let client: MetaqClient;
  let end: number;

  before(async () => {
    const dir = tempDir('iterator-abort');
    const broker = await startBrokerProcess(writeConfig(dir, { dataPath: join(dir, 'data'), unflushThreshold: 0, numPartitions: 1 }));
    client = new MetaqClient({ serverUrl: `meta://127.0.0.1:${broker.port}` });
    const sent = await client.producer().sendBatch(Array.from({ length: 3 }, (_, n) => ({ topic: 'iterated', data: `message ${n}` })));
    end = (await client.get('iterated', sent.partition.index, sent.offset)).nextOffset;
  });
  after(async () => {
    await client.close();
    await killAllBrokers();
  });

  /** Caught up, its fetch is held by the broker for 30 s and its next commit is an hour away: only the abort can end the loop in time. */
  function consumerFor(group: string, storage: MemoryOffsetStorage): Consumer {
    return client.consumer({ group, offsetStorage: storage, commitIntervalMs: 3_600_000, fetchWaitMs: 30_000 }).subscribe('iterated');
  }

  it('aborting ends the loop while it waits for a message, and commits what was processed', { timeout: 10_000 }, async () => {
    const storage = new MemoryOffsetStorage();
    const consumer = consumerFor('iterator-abort', storage);
    const controller = new AbortController();
    const seen: string[] = [];
    for await (const message of consumer.messages({ signal: controller.signal })) {
      seen.push(message.data.toString());
      if (seen.length === 3) controller.abort(); // the loop now asks for a 4th, which never comes
    }
    assert.deepEqual(seen, ['message 0', 'message 1', 'message 2']);
    // The loop ends only once the consumer's close finished: the commit is made.
    assert.equal((await storage.load('iterated', 'iterator-abort', { brokerId: 0, index: 0 }))?.offset, end);
    await assert.rejects(
      consumer.run(() => undefined),
      ClosedError,
    );
  });

  it('an aborted signal throws at once with its reason and starts nothing', () => {
    const consumer = consumerFor('iterator-pre-aborted', new MemoryOffsetStorage());
    const reason = new Error('shutting down');
    assert.throws(() => consumer.messages({ signal: AbortSignal.abort(reason) }), reason);
    assert.throws(() => consumer.messages({ signal: 'no' as unknown as AbortSignal }), /must be an AbortSignal/);
  });
});
