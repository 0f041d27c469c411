import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Broker } from '../../src/broker/broker.js';
import { loadBrokerConfig } from '../../src/broker/config/load-config.js';
import { MetaqClient } from '../../src/client/index.js';
import { BrokerConnection } from '../../src/client/transport/broker-connection.js';
import { parseBrokerUrl } from '../../src/client/transport/broker-address.js';
import { tempDir } from '../support/broker-process.js';
import { eventually } from '../support/eventually.js';
import { brokerIni, logBytes, startFromIni } from '../support/replica-pair.js';
import { silentLogger } from '../support/storage-harness.js';
import { useZookeeper } from '../support/zookeeper-fixture.js';

describe('asynchronous replication', { timeout: 90_000 }, () => {
  const zk = useZookeeper();

  /** The slave's copy of every partition equals the master's, byte for byte and offset for offset. */
  async function sameCopies(master: Broker, slave: Broker, topic: string, partitions: number): Promise<boolean> {
    for (let p = 0; p < partitions; p += 1) {
      const [a, b] = [await logBytes(master.stores.find(topic, p)), await logBytes(slave.stores.find(topic, p))];
      if (a.start !== b.start || !a.bytes.equals(b.bytes)) return false;
    }
    return true;
  }

  it('copies every partition byte for byte, registers as slave, and consumers fall back to it at the same offsets', async () => {
    const master = await startFromIni(brokerIni({ brokerId: 3, numPartitions: 2 }, {}, `${zk.ini()}[topic=feed]\n`));
    const slave = await startFromIni(
      brokerIni({ brokerId: 3, numPartitions: 2 }, { role: 'async-slave', slaveId: 0, slaveMaxDelayInMills: 50 }, `${zk.ini()}[topic=feed]\n`),
    );
    const client = new MetaqClient({ zkConnect: zk.server.connect, zkSessionTimeoutMs: 4000 });
    try {
      const producer = client.producer();
      const sent = new Set<string>();
      for (let i = 0; i < 200; i += 1) {
        await producer.send({ topic: 'feed', data: `f${i}` });
        sent.add(`f${i}`);
      }
      await eventually(() => sameCopies(master, slave, 'feed', 2), "the slave holding the master's bytes");
      assert.equal(await zk.session.getData('/meta/brokers/ids/3/slave0'), slave.url);
      assert.equal(await zk.session.getData('/meta/brokers/topics-sub/feed/3-s0'), '{"numParts":2,"broker":"3-s0"}');
      const status = await client.stats('replication');
      assert.ok([...status.values()].some((lines) => lines.get('role') === 'master'));
      assert.match(slave.replication.statusLines().join('\n'), /feed-0 end \d+ master_end \d+ lag_bytes 0/);

      // A consumer reads half, the master goes away, and it finishes from the slave.
      const seen: string[] = [];
      const consumer = client.consumer({ group: 'fallback', maxDelayFetchMs: 20, rebalanceRetryMs: 100 }).subscribe('feed');
      await consumer.run((message) => void seen.push(message.data.toString()));
      await eventually(() => seen.length >= 50, 'the consumer reading from the master');
      await master.stop();
      await eventually(() => new Set(seen).size === sent.size, 'the consumer finishing every message from the slave');
      assert.deepEqual(new Set(seen), sent);
      await consumer.close();
    } finally {
      await client.close();
      await slave.stop();
      await master.stop();
    }
  });

  it('keeps its lag bounded while the master takes a steady load, and catches up exactly', async (t) => {
    const master = await startFromIni(brokerIni({ brokerId: 5 }, {}, `${zk.ini()}[topic=lagged]\n`));
    const slave = await startFromIni(brokerIni({ brokerId: 5 }, { role: 'async-slave', slaveId: 0, slaveMaxDelayInMills: 50 }, `${zk.ini()}[topic=lagged]\n`));
    const client = new MetaqClient({ serverUrl: master.url });
    const LIMIT = 2 * 1024 * 1024;
    try {
      const producer = client.producer();
      const body = Buffer.alloc(1024, 'l');
      const lags: number[] = [];
      const lag = (): number => (master.stores.find('lagged', 0)?.visibleEnd ?? 0) - (slave.stores.find('lagged', 0)?.writtenEnd ?? 0);
      for (let i = 0; i < 4000; i += 1) {
        await producer.send({ topic: 'lagged', data: body });
        if (i % 50 === 49) lags.push(lag());
      }
      const total = master.stores.find('lagged', 0)!.writtenEnd;
      await eventually(() => lag() === 0, 'the slave catching up after the load');
      assert.ok(await sameCopies(master, slave, 'lagged', 1));
      const max = Math.max(...lags);
      t.diagnostic(
        `async slave lag over ${(total / 2 ** 20).toFixed(1)} MiB: max ${(max / 1024).toFixed(0)} KiB, mean ${(lags.reduce((a, b) => a + b, 0) / lags.length / 1024).toFixed(0)} KiB over ${lags.length} samples`,
      );
      assert.ok(max <= LIMIT, `the slave stays within ${LIMIT} bytes of the master (max lag ${max})`);
    } finally {
      await client.close();
      await slave.stop();
      await master.stop();
    }
  });

  it("follows the master's topic configuration and resubscribes on request", async () => {
    const masterDir = tempDir('cfg-master');
    const masterIni = join(masterDir, 'server.ini');
    writeFileSync(
      masterIni,
      `[system]\nbrokerId=4\nserverPort=0\nunflushThreshold=0\ndataPath=${join(masterDir, 'data')}\n${zk.ini()}[topic=alpha]\nnumPartitions=3\n[topic=beta]\n`,
    );
    const slaveDir = tempDir('cfg-slave');
    const slaveIni = join(slaveDir, 'server.ini');
    writeFileSync(
      slaveIni,
      `[system]\nbrokerId=4\nserverPort=0\nunflushThreshold=0\ndataPath=${join(slaveDir, 'data')}\n${zk.ini()}[replication]\nrole=async-slave\nslaveId=1\nautoSyncMasterConfig=true\nslaveMaxDelayInMills=50\n[topic=old]\n`,
    );
    const master = await Broker.start({ config: await loadBrokerConfig(masterIni), logger: silentLogger, host: '127.0.0.1' });
    const slave = await Broker.start({ config: await loadBrokerConfig(slaveIni), logger: silentLogger, host: '127.0.0.1' });
    const link = new BrokerConnection(parseBrokerUrl(slave.url));
    try {
      await eventually(() => slave.config.topics.map((t) => t.name).join() === 'alpha,beta', "the slave taking the master's topics");
      const rewritten = readFileSync(slaveIni, 'utf8');
      assert.match(rewritten, /role=async-slave/, 'its own sections stay');
      assert.match(rewritten, /\[topic=alpha\]\nnumPartitions=3/);
      assert.doesNotMatch(rewritten, /topic=old/);
      const reply = await link.request((opaque) => ({ kind: 'admin', action: 'resubscribe', opaque }), 10_000, 'resubscribe');
      assert.equal(reply.kind === 'result' && `${reply.code} ${reply.body.toString()}`, '200 resubscribed');
      const refused = await new BrokerConnection(parseBrokerUrl(master.url)).request(
        (opaque) => ({ kind: 'admin', action: 'resubscribe', opaque }),
        10_000,
        'resubscribe',
      );
      assert.equal(refused.kind === 'result' && refused.code, 400, 'a master is not an async slave');
    } finally {
      await link.close();
      await slave.stop();
      await master.stop();
    }
  });
});
