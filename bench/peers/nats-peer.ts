import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { PeerClient, PeerTarget } from './peer-client.js';

/**
 * NATS JetStream: a file-backed stream; every `js.publish` waits for its own PubAck, and a batch
 * is that many publishes outstanding at once (the client writes them out together). The client's
 * batch APIs need a newer server than Debian's 2.9 (atomic batches 2.12, fast ingest 2.14), and
 * the fast-ingest one acks only periodically. An ordered consumer reads the stream.
 */
export async function openNats(target: PeerTarget): Promise<PeerClient> {
  const connection = await connect({ servers: `127.0.0.1:${target.port}` });
  const js = jetstream(connection);
  const subject = `${target.destination}.messages`;
  // The client's default 5 s ack timeout fails a latency run on a loaded machine instead of
  // reporting its latency; a minute keeps the run measuring.
  const options = { timeout: 60_000 };
  return {
    publish: (data) => js.publish(subject, data, options),
    publishBatch: (batch) => Promise.all(batch.map((data) => js.publish(subject, data, options))),
    consume: async (count, onMessage) => {
      const consumer = await js.consumers.get(target.destination);
      const messages = await consumer.consume({ max_messages: 10_000 });
      let seen = 0;
      for await (const message of messages) {
        onMessage(Buffer.from(message.data));
        if (++seen === count) break;
      }
    },
    close: () => connection.close(),
  };
}

/** A fresh file-backed stream for one run. */
export async function prepareNats(target: PeerTarget): Promise<void> {
  const connection = await connect({ servers: `127.0.0.1:${target.port}` });
  const manager = await jetstreamManager(connection);
  await manager.streams.delete(target.destination).catch(() => undefined);
  await manager.streams.add({ name: target.destination, subjects: [`${target.destination}.>`], storage: 'file' });
  await connection.close();
}

export async function removeNats(target: PeerTarget): Promise<void> {
  const connection = await connect({ servers: `127.0.0.1:${target.port}` });
  await (await jetstreamManager(connection)).streams.delete(target.destination).catch(() => undefined);
  await connection.close();
}
