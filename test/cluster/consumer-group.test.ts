import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Broker } from '../../src/broker/broker.js';
import { parseBrokerConfig } from '../../src/broker/config/broker-config.js';
import { MetaqClient, ZkOffsetStorage, InvalidArgumentError } from '../../src/client/index.js';
import { consistentHashAssignment } from '../../src/coordination/index.js';
import type { Consumer } from '../../src/client/index.js';
import { tempDir } from '../support/broker-process.js';
import { silentLogger } from '../support/storage-harness.js';
import { eventually } from '../support/eventually.js';
import { zookeeperForSuite } from '../support/suite-zookeeper.js';

describe('consumer groups in cluster mode', { timeout: 90_000 }, () => {
  const zookeeper = zookeeperForSuite({ session: true });

  it('members split the partitions with owner nodes, consume everything between them, and take over when one leaves', async () => {
    const text = `[system]\nbrokerId=4\nserverPort=0\nunflushThreshold=0\ndataPath=${tempDir('group')}\n[zookeeper]\nzk.zkConnect=${zookeeper.connect}\nzk.zkSyncTimeMs=10\n[topic=jobs]\nnumPartitions=4\n`;
    const broker = await Broker.start({ config: parseBrokerConfig(text, 'group.ini'), logger: silentLogger, host: '127.0.0.1' });
    const client = new MetaqClient({ zkConnect: zookeeper.connect, zkSessionTimeoutMs: 4000 });
    await client.producer().sendAll(Array.from({ length: 40 }, (_, i) => ({ topic: 'jobs', data: `j${i}` })));
    const seen = new Map<string, string>();
    const owners = async () => {
      const result = new Map<string, string>();
      for (const p of await zookeeper.session.getChildren('/meta/consumers/workers/owners/jobs'))
        result.set(p, (await zookeeper.session.getData(`/meta/consumers/workers/owners/jobs/${p}`))!);
      return result;
    };
    const member = async (id: string): Promise<Consumer> => {
      const consumer = client
        .consumer({
          group: 'workers',
          consumerId: id,
          offsetStorage: new ZkOffsetStorage(zookeeper.session),
          rebalanceRetryMs: 100,
          maxDelayFetchMs: 20,
          commitIntervalMs: 100,
        })
        .subscribe('jobs');
      await consumer.run((message) => void seen.set(message.data.toString(), id));
      return consumer;
    };

    const a = await member('a');
    await eventually(async () => (await owners()).size === 4, 'a owns every partition');
    const b = await member('b');
    await eventually(async () => {
      const now = await owners();
      return (
        now.size === 4 && [...now.values()].filter((o) => o === 'workers_a').length === 2 && [...now.values()].filter((o) => o === 'workers_b').length === 2
      );
    }, 'a and b own two partitions each');
    assert.deepEqual(a.ownership(), new Map([['jobs', ['4-0', '4-1']]]), 'Java order: the first member takes the first slice');
    assert.deepEqual(b.ownership(), new Map([['jobs', ['4-2', '4-3']]]));
    await eventually(() => seen.size === 40, 'every message consumed');

    await b.close();
    await eventually(async () => [...(await owners()).values()].filter((o) => o === 'workers_a').length === 4, 'a takes over after b leaves');
    await client.producer().sendAll(Array.from({ length: 8 }, (_, i) => ({ topic: 'jobs', data: `late${i}` })));
    await eventually(() => seen.size === 48, 'late messages consumed by a');
    await a.close();
    assert.deepEqual(await zookeeper.session.getChildren('/meta/consumers/workers/ids'), [], 'members left the group');
    await client.close();
    await broker.stop();
  });

  it('CONSIST members own what the ketama ring gives them; an unknown strategy is refused', async () => {
    const text = `[system]\nbrokerId=5\nserverPort=0\nunflushThreshold=0\ndataPath=${tempDir('consist')}\n[zookeeper]\nzk.zkConnect=${zookeeper.connect}\nzk.zkSyncTimeMs=10\n[topic=ring]\nnumPartitions=8\n`;
    const broker = await Broker.start({ config: parseBrokerConfig(text, 'consist.ini'), logger: silentLogger, host: '127.0.0.1' });
    const client = new MetaqClient({ zkConnect: zookeeper.connect, zkSessionTimeoutMs: 4000 });
    assert.throws(() => client.consumer({ group: 'ring', loadBalanceStrategyType: 'consist' as 'CONSIST' }), InvalidArgumentError);
    const member = async (id: string): Promise<Consumer> => {
      const consumer = client
        .consumer({ group: 'ring', consumerId: id, loadBalanceStrategyType: 'CONSIST', rebalanceRetryMs: 100, maxDelayFetchMs: 20 })
        .subscribe('ring');
      await consumer.run(() => undefined);
      return consumer;
    };
    const members = [await member('x'), await member('y'), await member('z')];
    const partitions = Array.from({ length: 8 }, (_, i) => `5-${i}`);
    const ids = ['ring_x', 'ring_y', 'ring_z'];
    await eventually(
      () =>
        members.every((m, i) => JSON.stringify(m.ownership()?.get('ring') ?? []) === JSON.stringify(consistentHashAssignment(ids[i]!, ids, partitions).sort())),
      'every member owns its share of the ring',
    );
    for (const m of members) await m.close();
    await client.close();
    await broker.stop();
  });

  it('a member that may have lost its session stops fetching, then rejoins and resumes (N6-style)', async () => {
    const text = `[system]\nbrokerId=7\nserverPort=0\nunflushThreshold=0\ndataPath=${tempDir('group-fence')}\n[topic=fence-jobs]\nnumPartitions=2\n`;
    // The broker's 20 s session outlasts the pause, so only the consumer (1.5 s) fences itself.
    const broker = await Broker.start({
      config: parseBrokerConfig(`${text}[zookeeper]\nzk.zkConnect=${zookeeper.connect}\nzk.zkSessionTimeoutMs=20000\nzk.zkSyncTimeMs=10\n`, 'fence.ini'),
      logger: silentLogger,
      host: '127.0.0.1',
    });
    const client = new MetaqClient({ zkConnect: zookeeper.connect, zkSessionTimeoutMs: 1500 });
    const seen = new Set<string>();
    const consumer = client
      .consumer({ group: 'fenced', consumerId: 'solo', offsetStorage: new ZkOffsetStorage(zookeeper.session), rebalanceRetryMs: 100, maxDelayFetchMs: 20 })
      .subscribe('fence-jobs');
    await client.producer().sendAll([{ topic: 'fence-jobs', data: 'before' }]);
    await consumer.run((message) => void seen.add(message.data.toString()));
    await eventually(() => seen.has('before'), 'first message consumed');
    assert.deepEqual(consumer.ownership(), new Map([['fence-jobs', ['7-0', '7-1']]]));
    zookeeper.server.pause();
    try {
      await eventually(() => (consumer.ownership()?.get('fence-jobs') ?? []).length === 0, 'the member fences itself');
    } finally {
      zookeeper.server.resume();
    }
    await eventually(() => (consumer.ownership()?.get('fence-jobs') ?? []).length === 2, 'the member rejoins after ZooKeeper answers');
    await client.producer().sendAll([{ topic: 'fence-jobs', data: 'after' }]);
    await eventually(() => seen.has('after'), 'consumption resumes');
    await consumer.close();
    await client.close();
    await broker.stop();
  });
});
