import { MemoryOffsetStorage, MetaqClient } from '../../src/client/index.js';
import type { PeerClient, PeerTarget } from './peer-client.js';

/** metaq through its client library: batched sends (the default), a consumer group reading partition 0. */
export async function openMetaq(target: PeerTarget): Promise<PeerClient> {
  const client = new MetaqClient({ serverUrl: `meta://127.0.0.1:${target.port}`, partitions: { [target.destination]: 1 } });
  const producer = client.producer();
  // Connected before the clock starts, as the other peers' clients are when they are opened.
  await producer.publish(target.destination);
  return {
    publish: (data) => producer.send({ topic: target.destination, data }),
    publishBatch: async (batch) => {
      const { failed } = await producer.sendAll(
        batch.map((data) => ({ topic: target.destination, data })),
        { inFlight: batch.length },
      );
      if (failed > 0) throw new Error(`${failed} of ${batch.length} sends failed`);
    },
    consume: async (count, onMessage) => {
      let seen = 0;
      let done: () => void = () => undefined;
      const finished = new Promise<void>((resolve) => (done = resolve));
      const consumer = client
        .consumer({ group: 'peers-bench', offsetStorage: new MemoryOffsetStorage(), startFrom: 0, maxDelayFetchMs: 1 })
        .subscribe(target.destination, { maxSize: 1024 * 1024 });
      await consumer.run((message) => {
        onMessage(message.data);
        if (++seen === count) done();
      });
      await finished;
    },
    close: () => client.close(),
  };
}
