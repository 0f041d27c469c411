import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { Broker } from '../../src/broker/broker.js';
import { parseBrokerConfig } from '../../src/broker/config/broker-config.js';
import { MetaqClient, ZkOffsetStorage } from '../../src/client/index.js';
import { CLI, tempDir } from '../support/broker-process.js';
import { silentLogger } from '../support/storage-harness.js';
import { zookeeperForSuite } from '../support/suite-zookeeper.js';

const run = promisify(execFile);

interface ClusterDocument {
  brokers: Array<{ brokerId: number; url: string | null }>;
  topics: Array<{ topic: string; partitions: string[] }>;
  groups: Array<{
    group: string;
    members: string[];
    partitions: Array<{ topic: string; partition: string; offset: number | null; end: number | null; lag: number | null; owner: string | null }>;
  }>;
}

/** Runs a command with --json and parses its whole stdout as one document. */
async function json<T>(args: string[]): Promise<T> {
  const { stdout } = await run(process.execPath, [CLI, ...args, '--json']);
  return JSON.parse(stdout) as T;
}

describe('metaq cluster and offsets --json', { timeout: 60_000 }, () => {
  const zookeeper = zookeeperForSuite({ session: true });

  it('cluster prints {brokers, topics, groups}; offsets prints [{partition, offset, msgId, owner}] with the id as a string', async () => {
    const text = `[system]\nbrokerId=5\nserverPort=0\nunflushThreshold=0\ndataPath=${tempDir('json-view')}\n[zookeeper]\nzk.zkConnect=${zookeeper.connect}\nzk.zkSyncTimeMs=10\n[topic=invoices]\nnumPartitions=1\n`;
    const broker = await Broker.start({ config: parseBrokerConfig(text, 'view.ini'), logger: silentLogger, host: '127.0.0.1' });
    const client = new MetaqClient({ zkConnect: zookeeper.connect });
    try {
      const sent = await client.producer().send({ topic: 'invoices', data: 'i0' });
      await new ZkOffsetStorage(zookeeper.session).commit('payers', [
        { topic: 'invoices', partition: { brokerId: 5, index: 0 }, offset: sent.offset, msgId: sent.id },
      ]);

      const cluster = await json<ClusterDocument>(['cluster', '--zk', zookeeper.connect]);
      assert.deepEqual(cluster.brokers, [{ brokerId: 5, url: `meta://127.0.0.1:${broker.port}` }]);
      assert.deepEqual(cluster.topics, [{ topic: 'invoices', partitions: ['5-0'] }]);
      const payers = cluster.groups.find((g) => g.group === 'payers');
      assert.deepEqual(payers?.members, []);
      assert.equal(payers?.partitions[0]?.offset, sent.offset);
      assert.equal(payers?.partitions[0]?.owner, null);
      assert.equal(typeof payers?.partitions[0]?.lag, 'number');

      const offsets = await json<unknown>(['offsets', '--zk', zookeeper.connect, '--group', 'payers', '--topic', 'invoices']);
      assert.deepEqual(offsets, [{ partition: '5-0', offset: sent.offset, msgId: String(sent.id), owner: null }]);
      assert.deepEqual(await json<unknown>(['offsets', '--zk', zookeeper.connect, '--group', 'nobody', '--topic', 'invoices']), []);
    } finally {
      await client.close();
      await broker.stop();
    }
  });
});
