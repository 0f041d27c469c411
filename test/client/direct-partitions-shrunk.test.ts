import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Broker } from '../../src/broker/broker.js';
import { BrokerError, MetaqClient } from '../../src/client/index.js';
import type { ProducerOptions } from '../../src/client/index.js';
import { startBroker } from '../support/in-process-broker.js';

// Direct mode caches a learned partition count for 60 s; a topic shrunk meanwhile must not be sent to its old partitions that long.
describe('direct mode re-learns a partition count the broker refuses', { timeout: 60_000 }, () => {
  for (const [way, options] of [
    ['in sets', {}],
    ['one put each', { batching: false }],
  ] as const satisfies readonly (readonly [string, ProducerOptions])[]) {
    it(`sent ${way}: after one "wrong partition" refusal the next send asks the broker again`, async () => {
      let broker: Broker = await startBroker({}, '[topic=t]\nnumPartitions=4\n');
      const port = broker.port;
      const client = new MetaqClient({ serverUrl: `meta://127.0.0.1:${port}` });
      try {
        // Always the last partition: 3 while the client believes the topic has 4.
        const producer = client.producer({ ...options, selector: (_topic, partitions) => partitions[partitions.length - 1]! });
        assert.equal((await producer.send({ topic: 't', data: 'before' })).partition.index, 3);
        // The topic re-created with one partition: same port, fresh data directory.
        await broker.stop();
        broker = await startBroker({ serverPort: port }, '[topic=t]\nnumPartitions=1\n');
        await assert.rejects(
          producer.send({ topic: 't', data: 'refused' }),
          (error) => error instanceof BrokerError && /wrong partition 3$/.test(error.reason),
        );
        assert.equal((await producer.send({ topic: 't', data: 'after' })).partition.index, 0);
      } finally {
        await client.close();
        await broker.stop();
      }
    });
  }
});
