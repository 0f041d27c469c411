import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Broker } from '../../src/broker/broker.js';
import { parseBrokerConfig } from '../../src/broker/config/broker-config.js';
import { MetaqClient, BrokerError } from '../../src/client/index.js';
import { tempDir } from '../support/broker-process.js';
import { silentLogger } from '../support/storage-harness.js';
import { eventually } from '../support/eventually.js';
import { ZkSession } from '../../src/coordination/zk/zk-session.js';
import { WireSession } from '../support/wire-client.js';
import { txCommand, txPut } from '../support/wire-transactions.js';
import { zookeeperForSuite } from '../support/suite-zookeeper.js';

describe('ZooKeeper session loss fences the broker (N4-style, ZooKeeper paused)', { timeout: 60_000 }, () => {
  const zookeeper = zookeeperForSuite();

  it('refuses puts once the session may be lost, and accepts them again after re-registering', async () => {
    const text = `[system]\nbrokerId=9\nserverPort=0\nunflushThreshold=0\ndataPath=${tempDir('fence')}\n[zookeeper]\nzk.zkConnect=${zookeeper.connect}\nzk.zkSessionTimeoutMs=1500\nzk.zkSyncTimeMs=10\n[topic=*]\n`;
    const broker = await Broker.start({ config: parseBrokerConfig(text, 'fence.ini'), logger: silentLogger, host: '127.0.0.1' });
    const client = new MetaqClient({ serverUrl: `meta://127.0.0.1:${broker.port}` });
    try {
      const producer = client.producer();
      const put = () =>
        producer.send({ topic: 'fenced', data: 'x' }).then(
          () => 'ok',
          (error: unknown) => (error instanceof BrokerError && /lost its ZooKeeper session/.test(error.message) ? 'fenced' : String(error)),
        );
      assert.equal(await put(), 'ok');

      const wire = await WireSession.open('127.0.0.1', broker.port);
      await txCommand(wire, 'TX:fence:1', 'BEGIN');
      await txPut(wire, 'TX:fence:1', 'fenced', 0, 'in a transaction');

      zookeeper.server.pause();
      await eventually(async () => (await put()) === 'fenced', 'fencing');
      const refused = await txCommand(wire, 'TX:fence:1', 'COMMIT_ONE_PHASE');
      assert.equal(refused.code, 503, 'a fenced broker does not commit: a commit appends messages like a put');
      assert.match(refused.text, /the transaction is unchanged: commit it again/);

      zookeeper.server.resume();
      await eventually(async () => (await put()) === 'ok', 'recovery after the pause');
      assert.deepEqual(
        await txCommand(wire, 'TX:fence:1', 'COMMIT_ONE_PHASE'),
        { code: 200, text: '0' },
        'the same transaction commits once the broker is back',
      );
      await wire.close();
    } finally {
      zookeeper.server.resume();
      await client.close();
      await broker.stop();
    }
  });
});

describe('an idle session the server granted less time than asked for stays healthy', { timeout: 60_000 }, () => {
  const zookeeper = zookeeperForSuite({ server: { maxSessionTimeoutMs: 800 } });

  it('probes at the pace of the negotiated timeout, not the requested one', async () => {
    // Asked for 30 s, granted 0.8 s: probing at the requested pace (every 3.75 s) would fence it within a second.
    const session = await ZkSession.open({ connect: zookeeper.connect, sessionTimeoutMs: 30_000, connectionTimeoutMs: 10_000 });
    let lost = 0;
    session.on('lost', () => (lost += 1));
    try {
      assert.equal(session.timeoutMs, 800);
      const until = performance.now() + 5 * session.timeoutMs;
      await eventually(() => lost > 0 || performance.now() >= until, 'five negotiated timeouts passing');
      assert.equal(lost, 0, 'an idle, reachable session was declared lost');
      assert.equal(session.healthy, true);
    } finally {
      await session.close();
    }
  });
});
