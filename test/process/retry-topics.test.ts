import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Broker } from '../../src/broker/broker.js';
import { FileOffsetStorage, InvalidArgumentError, MetaqClient } from '../../src/client/index.js';
import type { ReceivedMessage } from '../../src/client/index.js';
import { idTimeMs } from '../../src/common/id-generator.js';
import { CLI, tempDir } from '../support/broker-process.js';
import { eventually } from '../support/eventually.js';
import { startBroker } from '../support/in-process-broker.js';

const run = promisify(execFile);

/** Every message of a topic's partition 0, from the start. */
async function all(client: MetaqClient, topic: string): Promise<ReceivedMessage[]> {
  const messages: ReceivedMessage[] = [];
  for await (const message of client.browse(topic)) messages.push(message);
  return messages;
}

/** A delivery as the listener saw it. */
interface Seen {
  data: string;
  topic: string;
  attribute: string | undefined;
  attempt: number | undefined;
  id: bigint;
  originOffset: number | undefined;
  failedAt?: number;
}

function seen(message: ReceivedMessage): Seen {
  return {
    data: message.data.toString(),
    topic: message.topic,
    attribute: message.attribute,
    attempt: message.retry?.attempt,
    id: message.id,
    originOffset: message.retry?.origin.offset,
  };
}

describe('retry topics and the dead-letter topic', { timeout: 60_000 }, () => {
  it('redelivers a failed message from the retry topic after each back-off, as the original, until it succeeds', async () => {
    const broker = await startBroker({ numPartitions: 1 });
    const client = new MetaqClient({ serverUrl: broker.url });
    try {
      const sent = await client.producer().send({ topic: 'orders', data: 'flaky', attribute: 'eu' });
      await client.producer().send({ topic: 'orders', data: 'fine' });
      const deliveries: Seen[] = [];
      const backoffMs = [100, 200];
      const consumer = client.consumer({ group: 'billing', retryTopics: { backoffMs, maxAttempts: 5 }, maxDelayFetchMs: 50 }).subscribe('orders');
      void consumer.run((message) => {
        const delivery = seen(message);
        deliveries.push(delivery);
        if (delivery.data === 'flaky' && (delivery.attempt ?? 1) < 3) {
          delivery.failedAt = Date.now();
          throw new Error(`payment service down (attempt ${delivery.attempt ?? 1})`);
        }
      });
      await eventually(() => deliveries.filter((d) => d.data === 'flaky').length === 3, 'the third delivery of flaky');
      const flaky = deliveries.filter((d) => d.data === 'flaky');
      assert.deepEqual(
        flaky.map((d) => [d.topic, d.attribute, d.attempt]),
        [
          ['orders', 'eu', undefined],
          ['orders', 'eu', 2],
          ['orders', 'eu', 3],
        ],
        'each retry looks like the original, with its attempt',
      );
      assert.deepEqual(
        flaky.slice(1).map((d) => d.originOffset),
        [sent.offset, sent.offset],
      );
      for (const n of [1, 2]) assert.ok(idTimeMs(flaky[n]!.id) >= flaky[n - 1]!.failedAt! + backoffMs[n - 1]!, `retry ${n} not before its back-off`);
      assert.equal(deliveries.filter((d) => d.data === 'fine').length, 1, 'the rest of the partition was not held up');
      assert.equal((await all(client, 'dlq.billing')).length, 0, 'nothing dead-lettered');
      await consumer.close();
    } finally {
      await client.close();
      await broker.stop();
    }
  });

  it('sends a message to the dead-letter topic after maxAttempts; metaq dlq list shows it, replay --all publishes it again once', async () => {
    const broker = await startBroker({ numPartitions: 1 });
    const client = new MetaqClient({ serverUrl: broker.url });
    const cli = (...args: string[]) => run(process.execPath, [CLI, 'dlq', ...args, '--group', 'shipping', '--port', String(broker.port)]);
    try {
      await client.producer().send({ topic: 'parcels', data: 'poison', attribute: 'x-1' });
      let fixed = false;
      const processed: Seen[] = [];
      const consumer = client.consumer({ group: 'shipping', retryTopics: { backoffMs: [20], maxAttempts: 3 }, maxDelayFetchMs: 50 }).subscribe('parcels');
      void consumer.run((message) => {
        if (!fixed) throw new Error('no such address');
        processed.push(seen(message));
      });
      await eventually(async () => (await all(client, 'dlq.shipping')).length === 1, 'dead-lettered');
      const [letter] = await all(client, 'dlq.shipping');

      const listed = (await cli('list')).stdout.trim().split('\n');
      assert.equal(listed.length, 2, 'a header and one dead letter');
      assert.deepEqual(
        listed[1]!.split('\t').filter((_, n) => n !== 5),
        ['0', String(letter!.offset), String(letter!.id), 'parcels', '3', 'no such address', 'poison'],
      );

      fixed = true;
      const offsets = join(tempDir('dlq'), 'offsets.json');
      const replayed = await cli('replay', '--all', '--offsets', offsets);
      assert.match(replayed.stderr, /1 dead letters replayed/);
      assert.match(
        replayed.stdout,
        new RegExp(`^replayed dead letter ${letter!.id} \\(dlq\\.shipping-0@${letter!.offset}\\) to topic parcels as message \\d+ \\(parcels-0@\\d+\\)$`, 'm'),
      );
      await eventually(() => processed.length === 1, 'the replayed message processed');
      assert.deepEqual(
        processed.map((p) => [p.topic, p.data, p.attribute, p.attempt]),
        [['parcels', 'poison', 'x-1', undefined]],
        'replayed as a new message: first attempt, its own attribute',
      );
      assert.match((await cli('replay', '--all', '--offsets', offsets)).stderr, /0 dead letters replayed/, 'a second run replays nothing again');
      assert.equal((await all(client, 'parcels')).length, 2, 'the original and one replayed copy');

      await assert.rejects(
        cli('replay', '--id', '12345'),
        (error: { code: number; stderr: string }) => error.code !== 0 && /no dead letter in dlq.shipping has id 12345/.test(error.stderr),
      );
      await consumer.close();
    } finally {
      await client.close();
      await broker.stop();
    }
  });

  it('keeps a message waiting in the retry topic across a consumer and broker restart', async () => {
    const dataPath = tempDir('retry-restart');
    const offsets = new FileOffsetStorage(join(tempDir('retry-offsets'), 'offsets.json'));
    let broker: Broker = await startBroker({ numPartitions: 1, dataPath });
    let client = new MetaqClient({ serverUrl: broker.url });
    await client.producer().send({ topic: 'jobs', data: 'once' });
    const first = client.consumer({ group: 'workers', offsetStorage: offsets, retryTopics: { backoffMs: [500] }, maxDelayFetchMs: 50 }).subscribe('jobs');
    void first.run(() => {
      throw new Error('worker crashed');
    });
    await eventually(() => broker.delayed.pending === 1, 'the failed message waits in the schedule');
    await first.close(); // commits past the original
    await client.close();
    await broker.stop();

    broker = await startBroker({ numPartitions: 1, dataPath });
    client = new MetaqClient({ serverUrl: broker.url });
    try {
      const deliveries: Seen[] = [];
      const second = client.consumer({ group: 'workers', offsetStorage: offsets, retryTopics: { backoffMs: [500] }, maxDelayFetchMs: 50 }).subscribe('jobs');
      void second.run((message) => void deliveries.push(seen(message)));
      await eventually(() => deliveries.length === 1, 'the retry delivered after the restart');
      assert.deepEqual(
        deliveries.map((d) => [d.topic, d.data, d.attempt]),
        [['jobs', 'once', 2]],
      );
      assert.equal(broker.delayed.pending, 0);
      await second.close();
      assert.equal(deliveries.length, 1, 'the original was not delivered again');
    } finally {
      await client.close();
      await broker.stop();
    }
  });

  it('refuses bad settings and combinations with the reason', async () => {
    const client = new MetaqClient({ serverUrl: 'meta://127.0.0.1:1' });
    const bad = (options: object, pattern: RegExp): void =>
      assert.throws(
        () => client.consumer({ group: 'g', ...options }),
        (error: Error) => error instanceof InvalidArgumentError && pattern.test(error.message),
      );
    bad({ retryTopics: { maxAttempts: 0 } }, /maxAttempts must be a positive integer/);
    bad({ retryTopics: { backoffMs: [] } }, /backoffMs must be a non-empty array/);
    bad({ retryTopics: { backoffMs: [100, -1] } }, /backoffMs\[1\] must be a positive integer/);
    bad({ retryTopics: { retryTopic: 'same', deadLetterTopic: 'same' } }, /must differ/);
    bad({ retryTopics: true, onReject: 'drop' }, /choose one/);
    bad({ retryTopics: true, autoAck: false }, /needs autoAck/);
    bad({ retryTopics: 'yes' }, /must be true or an object/);
    const consumer = client.consumer({ group: 'g', retryTopics: true }).subscribe('t');
    await assert.rejects(
      consumer.runBatches(() => undefined),
      /not runBatches/,
    );
    await client.close();
    for (const [args, pattern] of [
      [['dlq', 'list'], /required option '--group <G>' not specified/],
      [['dlq', 'replay', '--group', 'g'], /either --id ID .* or --all/],
      [['dlq', 'replay', '--group', 'g', '--id', 'abc'], /'--id <ID>' argument 'abc' is invalid\. abc is not a message id/],
    ] as const) {
      await assert.rejects(
        run(process.execPath, [CLI, ...args]),
        (error: { code: number; stderr: string }) => error.code === 64 && pattern.test(error.stderr),
        args.join(' '),
      );
    }
  });
});
