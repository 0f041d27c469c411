import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BrokerError, MetaqClient } from '../../src/client/index.js';
import { startBroker } from '../support/in-process-broker.js';

describe('maxMessageSize per topic', { timeout: 30_000 }, () => {
  it('refuses a put, a set or a delayed set holding a message over the limit, saying so, and stores the rest', async () => {
    const broker = await startBroker({ numPartitions: 1 }, '[topic=small]\nmaxMessageSize=100\n[topic=*]\n');
    const client = new MetaqClient({ serverUrl: broker.url });
    try {
      const oversized = (error: unknown): boolean =>
        error instanceof BrokerError &&
        error.status === 400 &&
        /a message of 101 bytes is larger than topic small's maxMessageSize of 100 bytes; split it/.test(error.message);
      const batched = client.producer();
      const single = client.producer({ batching: false });
      await batched.send({ topic: 'small', data: 'x'.repeat(100) });
      await assert.rejects(batched.send({ topic: 'small', data: 'x'.repeat(101) }), oversized);
      await assert.rejects(single.send({ topic: 'small', data: 'x'.repeat(101) }), oversized, 'MetaQ put');
      await assert.rejects(
        batched.sendBatch([
          { topic: 'small', data: 'ok' },
          { topic: 'small', data: 'x'.repeat(101) },
        ]),
        oversized,
        'a set with one oversized message',
      );
      await assert.rejects(batched.schedule({ topic: 'small', data: 'x'.repeat(101) }, { delayMs: 0 }), oversized, 'delayed');
      await batched.send({ topic: 'other', data: 'x'.repeat(1000) }); // other topics are not limited
      const stored: string[] = [];
      for await (const message of client.browse('small')) stored.push(message.data.toString());
      assert.deepEqual(stored, ['x'.repeat(100)], 'nothing of a refused set was stored');
      assert.equal(broker.counters.oversizedMessages, 4);
    } finally {
      await client.close();
      await broker.stop();
    }
  });
});
