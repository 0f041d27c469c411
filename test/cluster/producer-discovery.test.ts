import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Broker } from '../../src/broker/broker.js';
import { parseBrokerConfig } from '../../src/broker/config/broker-config.js';
import { MetaqClient } from '../../src/client/index.js';
import { join } from 'node:path';
import type { BrokerProcess } from '../support/broker-process.js';
import { killAllBrokers, startBrokerProcess, tempDir, writeConfig } from '../support/broker-process.js';
import { eventually } from '../support/eventually.js';
import { silentLogger } from '../support/storage-harness.js';
import { zookeeperForSuite } from '../support/suite-zookeeper.js';

function startClusterBroker(zk: string, brokerId: number, dataPath = tempDir('cluster')): Promise<Broker> {
  const text = `[system]\nbrokerId=${brokerId}\nserverPort=0\nunflushThreshold=0\ndataPath=${dataPath}\n[zookeeper]\nzk.zkConnect=${zk}\nzk.zkSessionTimeoutMs=4000\nzk.zkSyncTimeMs=10\n[topic=orders]\nnumPartitions=2\n`;
  return Broker.start({ config: parseBrokerConfig(text, 'cluster.ini'), logger: silentLogger, host: '127.0.0.1' });
}

describe('producer discovery in cluster mode', { timeout: 60_000 }, () => {
  const zookeeper = zookeeperForSuite({ cleanup: killAllBrokers });

  it('a cluster-mode consumer reads every partition of every broker', async () => {
    const one = await startClusterBroker(zookeeper.connect, 11);
    const two = await startClusterBroker(zookeeper.connect, 12);
    const client = new MetaqClient({ zkConnect: zookeeper.connect, zkSessionTimeoutMs: 4000 });
    const sent = await client.producer().sendAll(Array.from({ length: 8 }, (_, i) => ({ topic: 'orders', data: `c${i}` })));
    assert.equal(sent.sent, 8);
    const seen = new Map<string, string>();
    let finished!: () => void;
    const done = new Promise<void>((resolve) => (finished = resolve));
    const consumer = client.consumer({ group: 'everything', maxDelayFetchMs: 20 }).subscribe('orders');
    await consumer.run((message) => {
      seen.set(message.data.toString(), `${message.partition.brokerId}-${message.partition.index}`);
      if (seen.size === 8) finished();
    });
    await done;
    assert.deepEqual([...new Set(seen.values())].sort(), ['11-0', '11-1', '12-0', '12-1']);
    await client.close();
    await one.stop();
    await two.stop();
  });

  it('three broker processes: producers spread over all, move off one that leaves, and use it again when it returns', async () => {
    const dirs = [1, 2, 3].map((id) => tempDir(`cluster-${id}`));
    const start = (id: number): Promise<BrokerProcess> =>
      startBrokerProcess(
        writeConfig(
          dirs[id - 1]!,
          { brokerId: id, dataPath: join(dirs[id - 1]!, 'data'), unflushThreshold: 0 },
          { orders: { numPartitions: 3 } },
          { 'zk.zkConnect': zookeeper.connect, 'zk.zkSyncTimeMs': 10 },
        ),
      );
    const brokers = [await start(1), await start(2), await start(3)];
    const client = new MetaqClient({ zkConnect: zookeeper.connect, zkSessionTimeoutMs: 4000 });
    const producer = client.producer();
    const brokersUsed = async (sends: number): Promise<number[]> => {
      const used = new Set<number>();
      for (let i = 0; i < sends; i += 1) used.add((await producer.send({ topic: 'orders', data: `m${i}` })).partition.brokerId);
      return [...used].sort();
    };
    const listed = async () => [...new Set((await client.router.partitions('orders')).map((p) => p.brokerId))].sort();
    try {
      assert.deepEqual(
        (await client.router.partitions('orders')).map((p) => `${p.brokerId}-${p.index}`),
        ['1-0', '1-1', '1-2', '2-0', '2-1', '2-2', '3-0', '3-1', '3-2'],
      );
      assert.deepEqual(await brokersUsed(18), [1, 2, 3]);

      await brokers[1]!.kill('SIGTERM');
      await eventually(async () => JSON.stringify(await listed()) === '[1,3]', 'discovery drops the broker that left');
      assert.deepEqual(await brokersUsed(12), [1, 3], 'sends move to the remaining brokers');

      brokers[1] = await start(2);
      await eventually(async () => JSON.stringify(await listed()) === '[1,2,3]', 'discovery sees the broker return');
      assert.deepEqual(await brokersUsed(18), [1, 2, 3], 'the returning broker is used again');
      assert.equal((await client.stats()).size, 3, 'stats reach every registered broker');
    } finally {
      await client.close();
      for (const broker of brokers) await broker.kill('SIGTERM');
    }
  });
});
