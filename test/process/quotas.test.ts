import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Broker } from '../../src/broker/broker.js';
import { MetaqClient } from '../../src/client/index.js';
import { startBroker } from '../support/in-process-broker.js';

const KB = Buffer.alloc(1000, 'q');

describe('quotas (produce and fetch byte rates, enforced by holding replies)', { timeout: 60_000 }, () => {
  let broker: Broker;
  before(async () => {
    broker = await startBroker({ numPartitions: 1 }, '[topic=slow]\nproduceBytesPerSecond=20000\nfetchBytesPerSecond=20000\n[topic=*]\n');
  });
  after(async () => broker.stop());

  it('holds a topic over its produce rate without losing anything, while another connection is not held', async () => {
    const slowClient = new MetaqClient({ serverUrl: broker.url });
    const fastClient = new MetaqClient({ serverUrl: broker.url });
    try {
      const slow = slowClient.producer({ batching: false });
      let slowDone = 0;
      const slowSends = Array.from({ length: 60 }, () => slow.send({ topic: 'slow', data: KB }, { timeoutMs: 10_000 }).then(() => (slowDone += 1)));
      // The other client's sends are answered while the held connection still waits.
      for (let n = 0; n < 5; n += 1) await fastClient.producer().send({ topic: 'fast', data: KB });
      assert.ok(slowDone < 60, `the fast client finished first (${slowDone} of 60 slow sends answered)`);
      await Promise.all(slowSends);
      assert.equal(broker.stores.find('slow', 0)!.messageCount, 60, 'every held message stored');
      const held = broker.quotas.held();
      assert.ok(
        held.some((h) => h.kind === 'produce' && h.scope === 'topic' && h.name === 'slow' && h.seconds > 0),
        JSON.stringify(held),
      );
      assert.ok(!held.some((h) => h.name === 'fast'));
    } finally {
      await slowClient.close();
      await fastClient.close();
    }
  });

  it('holds fetches of a topic over its fetch rate and still delivers every byte', async () => {
    const client = new MetaqClient({ serverUrl: broker.url });
    try {
      let offset = 0;
      let messages = 0;
      while (messages < 60) {
        const result = await client.get('slow', 0, offset, { maxSize: 16 * 1024 });
        messages += result.messages.length;
        offset = result.nextOffset;
      }
      assert.equal(messages, 60);
      assert.ok(broker.quotas.held().some((h) => h.kind === 'fetch' && h.name === 'slow' && h.seconds > 0));
    } finally {
      await client.close();
    }
  });

  it('holds a client over its own produce rate, by address', async () => {
    const limited = await startBroker({ numPartitions: 1, clientProduceBytesPerSecond: 10_000 }, '[topic=*]\n');
    const client = new MetaqClient({ serverUrl: limited.url });
    try {
      const producer = client.producer();
      await Promise.all(Array.from({ length: 20 }, () => producer.send({ topic: 'any', data: KB }, { timeoutMs: 10_000 })));
      assert.equal(limited.stores.find('any', 0)!.messageCount, 20);
      assert.ok(
        limited.quotas.held().some((h) => h.kind === 'produce' && h.scope === 'client' && h.name.includes('127.0.0.1')),
        JSON.stringify(limited.quotas.held()),
      );
    } finally {
      await client.close();
      await limited.stop();
    }
  });
});
