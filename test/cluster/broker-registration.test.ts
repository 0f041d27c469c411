import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc32 } from 'node:zlib';
import { Broker } from '../../src/broker/broker.js';
import { parseBrokerConfig } from '../../src/broker/config/broker-config.js';
import { MetaqClient } from '../../src/client/index.js';
import { tempDir } from '../support/broker-process.js';
import { silentLogger } from '../support/storage-harness.js';
import { zookeeperForSuite } from '../support/suite-zookeeper.js';

function clusterConfig(zk: string, brokerId: number): ReturnType<typeof parseBrokerConfig> {
  const text = `[system]\nbrokerId=${brokerId}\nserverPort=0\nnumPartitions=2\nunflushThreshold=0\ndataPath=${tempDir('zkbroker')}\n[zookeeper]\nzk.zkConnect=${zk}\nzk.zkSessionTimeoutMs=4000\nzk.zkSyncTimeMs=10\n[topic=orders]\nnumPartitions=3\n[topic=quiet]\nacceptPublish=false\n[topic=log-*]\n`;
  return parseBrokerConfig(text, 'cluster.ini');
}

describe('broker registration in ZooKeeper', { timeout: 60_000 }, () => {
  const zookeeper = zookeeperForSuite({ session: true });

  it('writes MetaQ nodes with their exact contents, registers topics on the fly, and leaves on stop', async () => {
    const zk = zookeeper.session;
    const config = clusterConfig(zookeeper.connect, 5);
    const broker = await Broker.start({ config, logger: silentLogger, host: '127.0.0.1' });
    const url = `meta://127.0.0.1:${broker.port}`;
    assert.equal(await zk.getData('/meta/brokers/ids/5'), url);
    assert.equal(await zk.getData('/meta/brokers/ids/5/master'), url);
    assert.equal(await zk.getData('/meta/brokers/ids/5/master_config_checksum'), String(crc32(Buffer.from(config.text))));
    assert.equal(await zk.getData('/meta/brokers/topics/orders/5-m'), '3');
    assert.equal(await zk.getData('/meta/brokers/topics-pub/orders/5-m'), '{"numParts":3,"broker":"5-m"}');
    assert.equal(await zk.getData('/meta/brokers/topics-sub/orders/5-m'), '{"numParts":3,"broker":"5-m"}');
    assert.equal(await zk.getData('/meta/brokers/topics-pub/quiet/5-m'), undefined, 'acceptPublish=false is not published');
    assert.equal(await zk.getData('/meta/brokers/topics-sub/quiet/5-m'), '{"numParts":2,"broker":"5-m"}');
    assert.deepEqual(await zk.getChildren('/meta/brokers/topics-pub'), ['orders'], 'wildcard sections are not registered by name');

    const client = new MetaqClient({ serverUrl: url });
    await client.producer().send({ topic: 'log-app', data: 'x' });
    await client.close();
    for (let tries = 0; tries < 100 && (await zk.getData('/meta/brokers/topics-pub/log-app/5-m')) === undefined; tries += 1)
      await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(await zk.getData('/meta/brokers/topics-pub/log-app/5-m'), '{"numParts":2,"broker":"5-m"}', 'a topic created by a put is registered');

    await broker.stop();
    assert.equal(await zk.getData('/meta/brokers/ids/5/master'), undefined);
    assert.equal(await zk.getData('/meta/brokers/topics-pub/orders/5-m'), undefined);
    assert.equal(await zk.getData('/meta/brokers/ids/5'), url, 'the persistent legacy node stays');
  });

  it('refuses to start a second master with a brokerId already live', async () => {
    const zk = zookeeper.session;
    const first = await Broker.start({ config: clusterConfig(zookeeper.connect, 6), logger: silentLogger, host: '127.0.0.1' });
    await assert.rejects(
      Broker.start({ config: clusterConfig(zookeeper.connect, 6), logger: silentLogger, host: '127.0.0.1' }),
      /another live broker .* brokerId 6/,
    );
    assert.equal(await zk.getData('/meta/brokers/ids/6/master'), `meta://127.0.0.1:${first.port}`, "the first broker's node is untouched");
    await first.stop();
  });
});
