import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Broker } from '../../src/broker/broker.js';
import { InvalidArgumentError, MetaqClient } from '../../src/client/index.js';
import type { ReceivedMessage, SendResult } from '../../src/client/index.js';
import { CLI, tempDir } from '../support/broker-process.js';
import { startBroker } from '../support/in-process-broker.js';

const run = promisify(execFile);
// Small segments, so a lookup crosses several, and keys indexed on `orders` only.
const TOPICS = '[topic=orders]\nkeyIndex=true\nnumPartitions=2\n[topic=plain]\nnumPartitions=1\n';
const SYSTEM = { maxSegmentSize: 4096 };

const summary = (messages: ReceivedMessage[]): Array<[number, string, string | undefined]> =>
  messages.map((m) => [m.partition.index, m.data.toString(), m.attribute]);

describe('key index and lookups by key and id', { timeout: 60_000 }, () => {
  it('finds the messages of a key and a message by id, before and after a restart', async () => {
    const dataPath = tempDir('lookup');
    let broker: Broker = await startBroker({ ...SYSTEM, dataPath }, TOPICS);
    let client = new MetaqClient({ serverUrl: broker.url, partitions: { orders: 2 } });
    const sent: SendResult[] = [];
    const producer = client.producer();
    for (let n = 0; n < 120; n += 1) {
      const key = n % 3 === 0 ? 'cust-1' : n % 3 === 1 ? 'cust-10' : undefined;
      sent.push(await producer.send({ topic: 'orders', data: `order ${n}`, ...(key === undefined ? {} : { attribute: key }) }));
    }
    await producer.sendBatch(
      [
        { topic: 'orders', data: 'spaced', attribute: 'cust 2 (vip)' },
        { topic: 'orders', data: 'batched', attribute: 'cust-1' },
      ],
      { partition: { brokerId: 0, index: 1 } },
    );
    await producer.send({ topic: 'plain', data: 'unindexed', attribute: 'cust-1' });

    const expectKeys = async (): Promise<void> => {
      const found = await client.messagesByKey('orders', 'cust-1');
      const wanted = [0, 1].flatMap((p) => [
        ...Array.from({ length: 40 }, (_, k) => 3 * k)
          .filter((n) => sent[n]!.partition.index === p)
          .map((n): [number, string, string] => [p, `order ${n}`, 'cust-1']),
        ...(p === 1 ? [[1, 'batched', 'cust-1'] as [number, string, string]] : []),
      ]);
      assert.deepEqual(summary(found), wanted, 'every message with exactly that key, per partition, oldest first');
      assert.deepEqual(summary(await client.messagesByKey('orders', 'cust 2 (vip)')), [[1, 'spaced', 'cust 2 (vip)']], 'a key with spaces');
      assert.deepEqual(
        summary(await client.messagesByKey('orders', 'cust-1', { limit: 2, partitions: [1] })).map(([, data]) => data),
        [
          ...found
            .filter((m) => m.partition.index === 1)
            .slice(-2)
            .map((m) => m.data.toString()),
        ],
        'the newest `limit`',
      );
      assert.deepEqual(await client.messagesByKey('orders', 'nobody'), []);
      assert.deepEqual(await client.messagesByKey('plain', 'cust-1'), [], 'a topic without keyIndex finds nothing');
      for (const n of [0, 59, 119]) {
        const message = await client.messageById('orders', sent[n]!.id);
        assert.deepEqual(
          [message?.partition.index, message?.offset, message?.data.toString()],
          [sent[n]!.partition.index, sent[n]!.offset, `order ${n}`],
          `message ${n} by id`,
        );
      }
      // Ids count 12 bits of sequence within a millisecond: +1 may be the next send's id, +2048 is no one's.
      assert.equal(await client.messageById('orders', sent[5]!.id + 2048n), undefined, 'an id no message has');
    };
    await expectKeys();
    await client.close();
    await broker.stop();

    broker = await startBroker({ ...SYSTEM, dataPath }, TOPICS);
    client = new MetaqClient({ serverUrl: broker.url, partitions: { orders: 2 } });
    try {
      await expectKeys(); // the index is read back from the segments
      const cli = (...args: string[]) => run(process.execPath, [CLI, 'lookup', 'orders', ...args, '--partitions', '2', '--port', String(broker.port)]);
      const lines = (await cli('--key', 'cust 2 (vip)')).stdout.trim().split('\n');
      assert.equal(lines.length, 1);
      assert.deepEqual(
        lines[0]!.split('\t').filter((_, n) => n !== 1 && n !== 2),
        ['1', 'cust 2 (vip)', 'spaced'],
      );
      assert.match(
        (await cli('--id', String(sent[7]!.id))).stdout,
        new RegExp(`^${sent[7]!.partition.index}\t${sent[7]!.offset}\t${sent[7]!.id}\tcust-10\torder 7\n$`),
      );
      await assert.rejects(
        cli('--key', 'nobody'),
        (error: { code: number; stderr: string }) => error.code === 1 && /no message in orders with key "nobody" \(is keyIndex=true set/.test(error.stderr),
      );
      await assert.rejects(
        cli('--id', 'x1'),
        (error: { code: number; stderr: string }) => error.code === 64 && /'--id <ID>' argument 'x1' is invalid\. It is not a message id/.test(error.stderr),
      );
      await assert.rejects(cli(), (error: { code: number; stderr: string }) => error.code === 64 && /either --key K or --id ID/.test(error.stderr));
      await assert.rejects(
        client.messagesByKey('orders', 'k', { limit: 0 }),
        (error: Error) => error instanceof InvalidArgumentError && /options.limit must be a positive integer/.test(error.message),
      );
      await assert.rejects(client.messagesByKey('orders', 'k', { limit: 10_001 }), /must be at most 10000/);
      await assert.rejects(client.messageById('orders', -1n), /must be a non-negative bigint/);
    } finally {
      await client.close();
      await broker.stop();
    }
  });
});
