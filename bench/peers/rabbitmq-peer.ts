import { connect, Offset } from 'rabbitmq-stream-js-client';
import type { Client } from 'rabbitmq-stream-js-client';
import './rabbitmq-stream-compat.js';
import type { PeerClient, PeerTarget } from './peer-client.js';

function streamClient(target: PeerTarget): Promise<Client> {
  return connect({ hostname: '127.0.0.1', port: target.port, username: 'guest', password: 'guest', vhost: '/' });
}

/**
 * A RabbitMQ stream over the stream protocol (rabbitmq-stream-js-client): a publisher whose
 * `send` queues messages and writes them as one publish frame per 100 (its maxChunkLength; the
 * batch's last send fills the chunk and writes it), each message acknowledged by a publish
 * confirm; a consumer from the first offset. `sendSubEntries` was slower in ad-hoc runs here.
 */
export async function openRabbitmq(target: PeerTarget): Promise<PeerClient> {
  const client = await streamClient(target);
  const publisher = await client.declarePublisher({ stream: target.destination, maxChunkLength: 100 });
  // Confirms come back in publishing order: a publish resolves once that many messages are confirmed.
  let sent = 0;
  let confirmed = 0;
  const waiting: Array<{ upTo: number; resolve: () => void; reject: (error: Error) => void }> = [];
  publisher.on('publish_confirm', (error, publishingIds) => {
    if (error !== null) {
      for (const w of waiting.splice(0)) w.reject(new Error(`the broker refused a message (publish error ${error})`));
      return;
    }
    confirmed += publishingIds.length;
    while (waiting.length > 0 && waiting[0]!.upTo <= confirmed) waiting.shift()!.resolve();
  });
  const publishAll = (batch: Buffer[]): Promise<void> => {
    sent += batch.length;
    const done = new Promise<void>((resolve, reject) => waiting.push({ upTo: sent, resolve, reject }));
    for (const data of batch) void publisher.send(data);
    return done;
  };
  return {
    publish: (data) => publishAll([data]),
    publishBatch: publishAll,
    consume: async (count, onMessage) => {
      const reader = await streamClient(target);
      let seen = 0;
      await new Promise<void>((resolve, reject) => {
        reader
          .declareConsumer({ stream: target.destination, offset: Offset.first() }, (message) => {
            onMessage(message.content);
            if (++seen === count) resolve();
          })
          .catch(reject);
      });
      await reader.close();
    },
    close: () => client.close(),
  };
}

async function withClient(target: PeerTarget, work: (client: Client) => Promise<unknown>): Promise<void> {
  const client = await streamClient(target);
  try {
    await work(client);
  } finally {
    await client.close();
  }
}

export async function prepareRabbitmq(target: PeerTarget): Promise<void> {
  await withClient(target, (client) => client.deleteStream({ stream: target.destination }).catch(() => undefined));
  await withClient(target, (client) => client.createStream({ stream: target.destination, arguments: {} }));
}

export function removeRabbitmq(target: PeerTarget): Promise<void> {
  return withClient(target, (client) => client.deleteStream({ stream: target.destination }));
}
