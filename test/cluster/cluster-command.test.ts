import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { Broker } from '../../src/broker/broker.js';
import { parseBrokerConfig } from '../../src/broker/config/broker-config.js';
import { MetaqClient, ZkOffsetStorage, ZkSession } from '../../src/client/index.js';
import { CLI, tempDir } from '../support/broker-process.js';
import { silentLogger } from '../support/storage-harness.js';
import { zookeeperForSuite } from '../support/suite-zookeeper.js';

const run = promisify(execFile);

describe('metaq cluster', { timeout: 60_000 }, () => {
  const zookeeper = zookeeperForSuite();

  it('prints brokers, topics with partitions, and each group with offset, end and lag', async () => {
    const text = `[system]\nbrokerId=3\nserverPort=0\nunflushThreshold=0\ndataPath=${tempDir('view')}\n[zookeeper]\nzk.zkConnect=${zookeeper.connect}\nzk.zkSyncTimeMs=10\n[topic=orders]\nnumPartitions=2\n`;
    const broker = await Broker.start({ config: parseBrokerConfig(text, 'view.ini'), logger: silentLogger, host: '127.0.0.1' });
    const client = new MetaqClient({ zkConnect: zookeeper.connect });
    const producer = client.producer();
    const sent = [];
    for (let i = 0; i < 4; i += 1) sent.push(await producer.send({ topic: 'orders', data: `o${i}` }));
    const onPartition0 = sent.filter((s) => s.partition.index === 0);
    const session = await ZkSession.open({ connect: zookeeper.connect, sessionTimeoutMs: 4000, connectionTimeoutMs: 10_000 });
    await new ZkOffsetStorage(session).commit('readers', [
      { topic: 'orders', partition: { brokerId: 3, index: 0 }, offset: onPartition0[0]!.offset + 22, msgId: onPartition0[0]!.id },
    ]);

    const { stdout } = await run(process.execPath, [CLI, 'cluster', '--zk', zookeeper.connect]);
    assert.match(stdout, new RegExp(`^brokers\\n  3\\tmeta://127\\.0\\.0\\.1:${broker.port}\\n`));
    assert.match(stdout, /\ntopics\n {2}orders\t3-0 3-1\n/);
    const end = onPartition0.length * 22;
    assert.match(stdout, new RegExp(`\\n {2}readers\\tmembers: -\\n {4}orders 3-0\\toffset 22\\tend ${end}\\tlag ${end - 22}\\towner -\\n`));

    await session.close();
    await client.close();
    await broker.stop();
  });

  it('drops a broker that stopped and its leftover topic registration, and shows an empty partition as empty', async () => {
    const ini = (id: number, topic: string): string =>
      `[system]\nbrokerId=${id}\nserverPort=0\nunflushThreshold=0\ndataPath=${tempDir(`gone${id}`)}\n[zookeeper]\nzk.zkConnect=${zookeeper.connect}\nzk.zkRoot=/gone\nzk.zkSyncTimeMs=10\n[topic=${topic}]\nnumPartitions=2\n`;
    const live = await Broker.start({ config: parseBrokerConfig(ini(5, 'kept'), 'live.ini'), logger: silentLogger, host: '127.0.0.1' });
    const stopped = await Broker.start({ config: parseBrokerConfig(ini(6, 'left'), 'stopped.ini'), logger: silentLogger, host: '127.0.0.1' });
    await stopped.stop();
    const session = await ZkSession.open({ connect: zookeeper.connect, sessionTimeoutMs: 4000, connectionTimeoutMs: 10_000 });
    // What a broker that died without cleaning up leaves: a persistent registration of its topic.
    await session.create('/gone/brokers/topics-pub/left/6-m', '{"numParts":2,"broker":"6-m"}', 'persistent');
    await new ZkOffsetStorage(session, '/gone').commit('idle', [{ topic: 'kept', partition: { brokerId: 5, index: 1 }, offset: 0, msgId: -1n }]);

    const { stdout } = await run(process.execPath, [CLI, 'cluster', '--zk', zookeeper.connect, '--root', '/gone']);
    assert.match(stdout, new RegExp(`^brokers\\n  5\\tmeta://127\\.0\\.0\\.1:${live.port}\\ntopics\\n  kept\\t5-0 5-1\\ngroups\\n`));
    assert.match(stdout, /\n {4}kept 5-1\toffset 0\tend 0 \(empty\)\tlag 0\towner -\n/);
    const json = JSON.parse((await run(process.execPath, [CLI, 'cluster', '--zk', zookeeper.connect, '--root', '/gone', '--json'])).stdout) as {
      brokers: unknown[];
      topics: Array<{ topic: string }>;
      groups: Array<{ partitions: Array<{ end: number; empty: boolean }> }>;
    };
    assert.deepEqual(json.brokers, [{ brokerId: 5, url: `meta://127.0.0.1:${live.port}` }]);
    assert.deepEqual(
      json.topics.map((t) => t.topic),
      ['kept'],
    );
    assert.deepEqual(
      json.groups[0]!.partitions.map((p) => [p.end, p.empty]),
      [[0, true]],
    );

    await session.close();
    await live.stop();
  });
});
