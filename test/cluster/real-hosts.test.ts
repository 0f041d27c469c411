import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MetaqClient, ZkSession } from '../../src/client/index.js';
import type { BrokerProcess } from '../support/broker-process.js';
import { killAllBrokers, startBrokerProcess, tempDir, writeConfig } from '../support/broker-process.js';
import { backgroundSends } from '../support/background-sends.js';
import { eventually } from '../support/eventually.js';
import { LOCAL, NetnsLab } from '../support/netns.js';
import type { ZookeeperServer } from '../support/zookeeper-server.js';
import { startZookeeper } from '../support/zookeeper-server.js';

const TOPIC = 'hosts';

// ZooKeeper, two brokers and the clients (this process) on four hosts with their own addresses: a
// broker that registered 127.0.0.1 would send every client to its own machine (docs/cluster.md, Brokers).
if (!NetnsLab.available()) it('real hosts need root and `ip netns`', { skip: true });
else
  describe('a cluster across hosts with their own addresses', { timeout: 120_000 }, () => {
    let lab: NetnsLab;
    let zookeeper: ZookeeperServer;
    let zk: ZkSession;
    const via = (host: string) => (command: string, args: string[]) => lab.spawnArgs(host, command, args);
    /** A broker on `host` whose config leaves hostName blank, as most operators will. */
    const broker = (host: string, brokerId: number, system: Record<string, string> = {}): Promise<BrokerProcess> => {
      const dir = tempDir(`hosts-${brokerId}`);
      const config = writeConfig(
        dir,
        { brokerId, dataPath: join(dir, 'data'), unflushThreshold: 0, ...system },
        { [TOPIC]: { numPartitions: 2 } },
        { 'zk.zkConnect': zookeeper.connect, 'zk.zkSessionTimeoutMs': 2000, 'zk.zkSyncTimeMs': 10 },
      );
      return startBrokerProcess(config, { spawnVia: via(host) });
    };

    before(async () => {
      lab = NetnsLab.create([LOCAL, 'zk', 'b1', 'b2']);
      zookeeper = await startZookeeper({ spawnVia: via('zk'), address: lab.address('zk') });
      zk = await ZkSession.open({ connect: zookeeper.connect, sessionTimeoutMs: 4000, connectionTimeoutMs: 10_000 });
    });
    after(async () => {
      await killAllBrokers();
      await zk.close();
      await zookeeper.stop();
      lab.destroy();
    });

    it("brokers register their hosts' addresses; clients elsewhere produce, consume as a group, and fail over", async () => {
      const one = await broker('b1', 1);
      const two = await broker('b2', 2);
      for (const [id, host, process] of [
        [1, 'b1', one],
        [2, 'b2', two],
      ] as const) {
        assert.equal(await zk.getData(`/meta/brokers/ids/${id}/master`), `meta://${lab.address(host)}:${process.port}`);
        const chosen = process.logs.find((line) => line.hostName === lab.address(host));
        assert.match(String(chosen?.reason), /interface that reaches ZooKeeper/, 'the log says which address and why');
      }

      const client = new MetaqClient({ zkConnect: zookeeper.connect, zkSessionTimeoutMs: 4000 });
      try {
        const producer = client.producer();
        const used = new Set<number>();
        for (let i = 0; i < 20; i += 1) used.add((await producer.send({ topic: TOPIC, data: `m${i}` })).partition.brokerId);
        assert.deepEqual([...used].sort(), [1, 2], 'sends reach both brokers');

        const seen = new Set<string>();
        const consumer = client.consumer({ group: 'hosts', maxDelayFetchMs: 20 }).subscribe(TOPIC);
        await consumer.run((message) => void seen.add(message.data.toString()));
        await eventually(() => seen.size === 20, 'the group reads all 20 messages from both brokers');
        await consumer.close();

        const load = backgroundSends(producer, TOPIC, 'f', 100_000);
        try {
          await eventually(() => load.outcomes.some((s) => s.ok && s.brokerId === 1), 'broker 1 takes writes before the kill');
          await one.kill('SIGKILL');
          const killedAt = Date.now();
          await eventually(
            () =>
              load.outcomes
                .filter((s) => s.start > killedAt)
                .slice(-20)
                .filter((s) => s.ok && s.brokerId === 2).length === 20,
            'the producer moves to broker 2',
          );
        } finally {
          await load.stop();
        }
      } finally {
        await client.close();
        await two.kill('SIGTERM');
      }
    });

    it('a broker told to register 127.0.0.1 while ZooKeeper is on another host refuses to start, naming the fix', async () => {
      await assert.rejects(broker('b1', 3, { hostName: '127.0.0.1' }), /loopback address 127\.0\.0\.1.*set \[system\] hostName \(or pass --host\)/s);
      // The control: the same broker with its host's address starts and registers it.
      const started = await broker('b1', 3, { hostName: lab.address('b1') });
      assert.equal(await zk.getData('/meta/brokers/ids/3/master'), `meta://${lab.address('b1')}:${started.port}`);
      await started.kill('SIGTERM');
    });
  });
