import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Broker } from '../../src/broker/broker.js';
import { promoteSyncSlave } from '../../src/broker/replication/failover.js';
import { MetaqClient } from '../../src/client/index.js';
import { MetaZnodes } from '../../src/coordination/zk/znodes.js';
import { tempDir } from '../support/broker-process.js';
import { freePort } from '../support/free-port.js';
import { eventually } from '../support/eventually.js';
import { brokerIni, logBytes, startFromIni } from '../support/replica-pair.js';
import { useZookeeper } from '../support/zookeeper-fixture.js';

describe('failover of a sync pair', { timeout: 90_000 }, () => {
  const zk = useZookeeper();

  it('metaq promote: refused while the master lives; afterwards the slave serves the same offsets and the old master may not return', async () => {
    const masterData = tempDir('fo-master');
    const slave = await startFromIni(brokerIni({ brokerId: 8 }, { role: 'sync-slave' }, zk.ini()));
    const masterIni = brokerIni({ brokerId: 8, dataPath: masterData }, { slave: `127.0.0.1:${slave.port}` }, `${zk.ini()}[topic=ledger]\n`);
    let master: Broker | undefined = await startFromIni(masterIni);
    const client = new MetaqClient({ zkConnect: zk.server.connect, zkSessionTimeoutMs: 4000 });
    try {
      assert.deepEqual(JSON.parse((await zk.session.getData('/meta/metaq/epochs/8'))!), { epoch: 1, master: master.url });
      assert.equal(await zk.session.getData('/meta/metaq/sync-slaves/8'), slave.url);
      assert.equal(await zk.session.getData('/meta/brokers/ids/8/slave0'), undefined, 'a sync slave is invisible to clients');
      const producer = client.producer();
      const acked = [];
      for (let i = 0; i < 50; i += 1) acked.push(await producer.send({ topic: 'ledger', data: `l${i}` }));
      await assert.rejects(promoteSyncSlave(zk.session, new MetaZnodes(), 8), /still has a live master/);
      const before = await logBytes(master.stores.find('ledger', 0));
      await master.stop();
      master = undefined;
      const record = await promoteSyncSlave(zk.session, new MetaZnodes(), 8);
      assert.deepEqual(record, { epoch: 2, master: slave.url });
      assert.deepEqual(await logBytes(slave.stores.find('ledger', 0)), before, "the promoted slave holds the master's log");
      assert.equal(slave.replication.role, 'master');
      await eventually(
        async () =>
          await producer.send({ topic: 'ledger', data: 'after' }).then(
            () => true,
            () => false,
          ),
        'a put acked by the promoted slave',
      );
      const direct = new MetaqClient({ serverUrl: slave.url });
      const after = await direct.get('ledger', 0, acked[10]!.offset);
      await direct.close();
      assert.equal(after.messages[0]!.data.toString(), 'l10', 'offsets carry over');
      await assert.rejects(startFromIni(masterIni), /promoted while this one was away/);
    } finally {
      await client.close();
      await master?.stop();
      await slave.stop();
    }
  });

  it('a master whose slave keeps failing leaves ZooKeeper, and registers again once the slave caught up', async () => {
    const slavePort = await freePort();
    const slaveIni = brokerIni({ brokerId: 10, serverPort: slavePort }, { role: 'sync-slave' }, zk.ini());
    let slave = await startFromIni(slaveIni);
    const master = await startFromIni(
      brokerIni(
        { brokerId: 10 },
        { slave: `127.0.0.1:${slavePort}`, slaveContinuousFailureThreshold: 3, checkSlaveIntervalInMills: 50 },
        `${zk.ini()}[topic=withdrawn]\n`,
      ),
    );
    const client = new MetaqClient({ serverUrl: master.url });
    try {
      const producer = client.producer();
      await eventually(() => master.replication.syncMaster!.status().connected, 'the master reaching its slave');
      await producer.send({ topic: 'withdrawn', data: 'first' });
      await slave.stop();
      await eventually(() => !master.replication.syncMaster!.status().connected, 'the master noticing its slave is gone');
      for (let i = 0; i < 3; i += 1) await assert.rejects(producer.send({ topic: 'withdrawn', data: `refused-${i}` }), /Slave is disconnected/);
      await eventually(async () => (await zk.session.getData('/meta/brokers/ids/10/master')) === undefined, 'the master leaving ZooKeeper');
      assert.equal(await zk.session.getData('/meta/brokers/topics-pub/withdrawn/10-m'), undefined);
      slave = await startFromIni(slaveIni);
      await eventually(
        async () => (await zk.session.getData('/meta/brokers/ids/10/master')) === master.url,
        'the master registering again once the slave is back',
      );
      await producer.send({ topic: 'withdrawn', data: 'second' });
      assert.deepEqual(await logBytes(slave.stores.find('withdrawn', 0)), await logBytes(master.stores.find('withdrawn', 0)));
    } finally {
      await client.close();
      await master.stop();
      await slave.stop();
    }
  });

  it('autoPromote: the slave takes over once the master is gone', async () => {
    const slave = await startFromIni(brokerIni({ brokerId: 9 }, { role: 'sync-slave', autoPromote: true }, zk.ini()));
    const master = await startFromIni(brokerIni({ brokerId: 9 }, { slave: `127.0.0.1:${slave.port}` }, zk.ini()));
    try {
      await eventually(async () => (await zk.session.getData('/meta/brokers/ids/9/master')) === master.url, 'the master registering');
      await eventually(() => master.replication.syncMaster!.status().connected, 'the master reaching its slave');
      await master.stop();
      await eventually(async () => (await zk.session.getData('/meta/brokers/ids/9/master')) === slave.url, 'the slave registering as master');
      assert.deepEqual(JSON.parse((await zk.session.getData('/meta/metaq/epochs/9'))!), { epoch: 2, master: slave.url });
    } finally {
      await master.stop();
      await slave.stop();
    }
  });
});
