import amqp from 'amqplib';
import type { PeerClient, PeerTarget } from './peer-client.js';

const STREAM = { durable: true, arguments: { 'x-queue-type': 'stream' } };

/** RabbitMQ stream queue over AMQP 0-9-1: persistent messages on a confirm channel; a consumer from the first offset, acking. */
export async function openRabbitmq(target: PeerTarget): Promise<PeerClient> {
  const connection = await amqp.connect(`amqp://guest:guest@127.0.0.1:${target.port}`);
  const channel = await connection.createConfirmChannel();
  return {
    publish: (data) =>
      new Promise<void>((resolve, reject) => {
        channel.sendToQueue(target.destination, data, { persistent: true }, (error: unknown) =>
          error ? reject(error instanceof Error ? error : new Error('the broker refused the message (nack)')) : resolve(),
        );
      }),
    consume: async (count, onMessage) => {
      const reader = await connection.createChannel();
      await reader.prefetch(2000);
      let seen = 0;
      await new Promise<void>((resolve) => {
        void reader.consume(
          target.destination,
          (message) => {
            if (message === null) return;
            onMessage(message.content);
            reader.ack(message);
            if (++seen === count) resolve();
          },
          { arguments: { 'x-stream-offset': 'first' } },
        );
      });
      await reader.close();
    },
    close: () => connection.close(),
  };
}

async function withChannel(target: PeerTarget, work: (channel: amqp.Channel) => Promise<unknown>): Promise<void> {
  const connection = await amqp.connect(`amqp://guest:guest@127.0.0.1:${target.port}`);
  try {
    await work(await connection.createChannel());
  } finally {
    await connection.close();
  }
}

export async function prepareRabbitmq(target: PeerTarget): Promise<void> {
  await withChannel(target, (channel) => channel.deleteQueue(target.destination));
  await withChannel(target, (channel) => channel.assertQueue(target.destination, STREAM));
}

export function removeRabbitmq(target: PeerTarget): Promise<void> {
  return withChannel(target, (channel) => channel.deleteQueue(target.destination));
}
