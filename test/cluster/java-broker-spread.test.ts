import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MetaqClient, roundRobinSelector } from '../../src/client/index.js';
import type { PartitionSelector, Producer } from '../../src/client/index.js';
import { startJavaBrokerWire } from '../support/java-broker-wire.js';
import type { JavaBrokerWire } from '../support/java-broker-wire.js';
import { zookeeperForSuite } from '../support/suite-zookeeper.js';

/**
 * Producer spread over Java MetaQ 1.4.6 brokers in cluster mode: ZooKeeper holds exactly what
 * the Java broker writes (BrokerZooKeeper: persistent /brokers/ids/<id> with the URL, ephemeral
 * master and master_config_checksum, the legacy /brokers/topics/<t>/<id>-m with numPartitions,
 * topics-pub / topics-sub JSON in Jackson's key order, an async slave's -s<n> entries), and the
 * brokers behind it answer as Java brokers do (no metaq extensions: one put per message).
 */
describe('producer spread over Java MetaQ brokers (cluster mode)', { timeout: 60_000 }, () => {
  const zk = zookeeperForSuite({ session: true });
  const brokers: JavaBrokerWire[] = [];

  /** Register broker `id` with `parts` partitions of `topic` as the Java broker does. */
  async function registerAsJava(id: number, port: number, topic: string, parts: number): Promise<void> {
    const s = zk.session;
    const url = `meta://127.0.0.1:${port}`;
    const json = `{"numParts":${parts},"broker":"${id}-m"}`;
    await s.create(`/meta/brokers/ids/${id}`, url, 'persistent');
    await s.create(`/meta/brokers/ids/${id}/master`, url, 'ephemeral');
    await s.create(`/meta/brokers/ids/${id}/master_config_checksum`, '3735928559', 'ephemeral');
    await s.create(`/meta/brokers/topics/${topic}/${id}-m`, String(parts), 'ephemeral');
    await s.create(`/meta/brokers/topics-pub/${topic}/${id}-m`, json, 'ephemeral');
    await s.create(`/meta/brokers/topics-sub/${topic}/${id}-m`, json, 'ephemeral');
  }

  before(async () => {
    brokers.push(await startJavaBrokerWire(), await startJavaBrokerWire());
    await registerAsJava(0, brokers[0]!.port, 'spread', 4);
    await registerAsJava(1, brokers[1]!.port, 'spread', 4);
    // broker 1 has an async slave: registered under ids and as -s1, never used by producers
    const slave = `{"numParts":4,"broker":"1-s1"}`;
    await zk.session.create('/meta/brokers/ids/1/slave1', 'meta://127.0.0.1:1', 'ephemeral');
    await zk.session.create('/meta/brokers/topics/spread/1-s1', '4', 'ephemeral');
    await zk.session.create('/meta/brokers/topics-pub/spread/1-s1', slave, 'ephemeral');
    await zk.session.create('/meta/brokers/topics-sub/spread/1-s1', slave, 'ephemeral');
  });
  after(async () => {
    for (const broker of brokers) await broker.close();
  });

  /** Puts each partition received since the last call, as "<brokerId>-<index>". */
  function received(): Map<string, number> {
    const counts = new Map<string, number>();
    brokers.forEach((broker, id) => {
      for (const [index, puts] of broker.puts) counts.set(`${id}-${index}`, puts);
      broker.puts.clear();
    });
    return counts;
  }

  /** Every one of the 8 partitions within 5% of an even share. */
  function evenly(counts: Map<string, number>, total: number): boolean {
    const share = total / 8;
    return counts.size === 8 && [...counts.values()].every((n) => Math.abs(n - share) <= share * 0.05);
  }

  async function sendAll(producer: Producer, total: number, oneAtATime: boolean): Promise<void> {
    if (oneAtATime) for (let i = 0; i < total; i += 1) await producer.send({ topic: 'spread', data: `m${i}` });
    else await Promise.all(Array.from({ length: total }, (_, i) => producer.send({ topic: 'spread', data: `m${i}` })));
  }

  it('10,000 sends, concurrent and one at a time, reach every partition evenly', async () => {
    const client = new MetaqClient({ zkConnect: zk.connect });
    try {
      const producer = client.producer();
      assert.deepEqual(
        (await client.router.partitions('spread')).map((p) => `${p.brokerId}-${p.index}`),
        ['0-0', '0-1', '0-2', '0-3', '1-0', '1-1', '1-2', '1-3'],
      );
      await sendAll(producer, 10_000, false);
      const concurrent = received();
      assert.ok(evenly(concurrent, 10_000), `concurrent: ${JSON.stringify([...concurrent])}`);
      await sendAll(producer, 800, true);
      const sequential = received();
      assert.ok(evenly(sequential, 800), `one at a time: ${JSON.stringify([...sequential])}`);
    } finally {
      await client.close();
    }
  });

  it('negative control: the check fails for the reported skew (a selector advanced twice per send)', async () => {
    const roundRobin = roundRobinSelector();
    const twice: PartitionSelector = (topic, partitions, message) => {
      roundRobin(topic, partitions, message);
      return roundRobin(topic, partitions, message);
    };
    const client = new MetaqClient({ zkConnect: zk.connect });
    try {
      await sendAll(client.producer({ selector: twice }), 800, true);
      const skewed = received();
      assert.equal(evenly(skewed, 800), false, `skewed: ${JSON.stringify([...skewed])}`);
      assert.equal(skewed.size, 4, 'only every other partition is used');
    } finally {
      await client.close();
    }
  });
});
