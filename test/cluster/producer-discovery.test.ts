import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Broker } from '../../src/broker/broker.js';
import { parseBrokerConfig } from '../../src/broker/config/broker-config.js';
import { MetaqClient } from '../../src/client/index.js';
import { tempDir } from '../support/broker-process.js';
import { silentLogger } from '../support/storage-harness.js';
import type { ZookeeperServer } from '../support/zookeeper-server.js';
import { startZookeeper } from '../support/zookeeper-server.js';

function startClusterBroker(zk: string, brokerId: number, dataPath = tempDir('cluster')): Promise<Broker> {
  const text = `[system]\nbrokerId=${brokerId}\nserverPort=0\nunflushThreshold=0\ndataPath=${dataPath}\n[zookeeper]\nzk.zkConnect=${zk}\nzk.zkSessionTimeoutMs=4000\nzk.zkSyncTimeMs=10\n[topic=orders]\nnumPartitions=2\n`;
  return Broker.start({ config: parseBrokerConfig(text, 'cluster.ini'), logger: silentLogger, host: '127.0.0.1' });
}

describe('producer discovery in cluster mode (§3.3)', { timeout: 60_000 }, () => {
  let zookeeper: ZookeeperServer;
  before(async () => {
    zookeeper = await startZookeeper();
  });
  after(async () => zookeeper.stop());

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

  it('spreads over every broker, moves off one that leaves, and uses it again when it returns', async () => {
    const one = await startClusterBroker(zookeeper.connect, 1);
    const twoData = tempDir('cluster-two');
    let two = await startClusterBroker(zookeeper.connect, 2, twoData);
    const client = new MetaqClient({ zkConnect: zookeeper.connect, zkSessionTimeoutMs: 4000 });
    const producer = client.producer();
    const brokersUsed = async (sends: number): Promise<Set<number>> => {
      const used = new Set<number>();
      for (let i = 0; i < sends; i += 1) used.add((await producer.send({ topic: 'orders', data: `m${i}` })).partition.brokerId);
      return used;
    };
    assert.deepEqual([...(await client.router.partitions('orders'))].map((p) => `${p.brokerId}-${p.index}`), ['1-0', '1-1', '2-0', '2-1']);
    assert.deepEqual([...(await brokersUsed(8))].sort(), [1, 2]);

    await two.stop();
    // The watch drops the cached list; wait (bounded) until discovery shows broker 1 only.
    for (let tries = 0; tries < 100 && (await client.router.partitions('orders')).some((p) => p.brokerId === 2); tries += 1) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual([...(await brokersUsed(6))], [1], 'sends move to the remaining broker');

    two = await startClusterBroker(zookeeper.connect, 2, twoData);
    for (let tries = 0; tries < 100 && !(await client.router.partitions('orders')).some((p) => p.brokerId === 2); tries += 1) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual([...(await brokersUsed(8))].sort(), [1, 2], 'the returning broker is used again');

    const stats = await client.stats();
    assert.equal(stats.size, 2, 'stats reach every registered broker');
    await client.close();
    await one.stop();
    await two.stop();
  });
});
