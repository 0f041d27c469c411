import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { Broker } from '../../src/broker/broker.js';
import { parseBrokerConfig } from '../../src/broker/config/broker-config.js';
import { MetaqClient } from '../../src/client/index.js';
import { CLI, tempDir } from '../support/broker-process.js';
import { eventually } from '../support/eventually.js';
import { silentLogger } from '../support/storage-harness.js';
import { zookeeperForSuite } from '../support/suite-zookeeper.js';

const run = promisify(execFile);

// `--zk` on produce and consume: every partition of every broker, as ZooKeeper lists them.
describe('metaq produce and consume --zk', { timeout: 60_000 }, () => {
  const zookeeper = zookeeperForSuite();
  const brokers: Broker[] = [];
  const metaq = async (...args: string[]): Promise<string> => (await run(process.execPath, [CLI, ...args, '--zk', zookeeper.connect])).stdout;

  before(async () => {
    for (const brokerId of [1, 2]) {
      const text = `[system]\nbrokerId=${brokerId}\nserverPort=0\nunflushThreshold=0\ndataPath=${tempDir(`zk-cli-${brokerId}`)}\n[zookeeper]\nzk.zkConnect=${zookeeper.connect}\nzk.zkSyncTimeMs=10\n[topic=orders]\nnumPartitions=2\n`;
      brokers.push(await Broker.start({ config: parseBrokerConfig(text, `b${brokerId}.ini`), logger: silentLogger, host: '127.0.0.1' }));
    }
    const client = new MetaqClient({ zkConnect: zookeeper.connect });
    try {
      await eventually(async () => (await client.router.partitions('orders')).length === 4, 'both brokers registered orders');
    } finally {
      await client.close();
    }
  });
  after(async () => {
    for (const broker of brokers) await broker.stop();
  });

  it('produce spreads over the 4 partitions of both brokers and consume prints them all', async () => {
    const messages = Array.from({ length: 8 }, (_, n) => `z${n}`);
    const sent = (await metaq('produce', 'orders', ...messages.flatMap((m) => ['--message', m]))).trim().split('\n');
    const partitions = sent.map((line) => line.split(' ')[1]);
    assert.deepEqual(
      ['1-0', '1-1', '2-0', '2-1'].map((p) => partitions.filter((q) => q === p).length),
      [2, 2, 2, 2],
    );
    const printed = (await metaq('consume', 'orders')).trim().split('\n');
    assert.deepEqual(printed.map((line) => line.split('\t')[4]).sort(), messages);
    // Partition indexes repeat on each broker, so consume names them as produce does.
    assert.deepEqual(printed.map((line) => line.split('\t')[0]).sort(), [...partitions].sort());
    const last = (await metaq('consume', 'orders', '--partition', '3')).trim().split('\n');
    assert.equal(last.length, 2, 'the 4th partition (2-1) alone');
    assert.deepEqual(
      last.map((line) => line.split('\t')[0]),
      ['2-1', '2-1'],
    );
  });
});
