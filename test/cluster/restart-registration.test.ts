import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import zookeeper from 'node-zookeeper-client';
import { ZkSession, isNodeExists } from '../../src/coordination/zk/zk-session.js';
import { eventually } from '../support/eventually.js';
import { killAllBrokers, startBrokerProcess, tempDir, writeConfig } from '../support/broker-process.js';
import { zookeeperForSuite } from '../support/suite-zookeeper.js';

/** The session holding an ephemeral node (hex), or undefined when the node is gone. */
async function holder(connect: string, path: string): Promise<string | undefined> {
  const client = zookeeper.createClient(connect);
  client.connect();
  try {
    return await new Promise((resolve, reject) =>
      client.exists(path, (error, stat) =>
        error ? reject(new Error(String(error))) : resolve(stat === null || stat === undefined ? undefined : stat.ephemeralOwner.toString('hex')),
      ),
    );
  } finally {
    client.close();
  }
}

/**
 * A process killed and started again before ZooKeeper expired its old session finds its own
 * ephemeral nodes still there. Keeping them as they are leaves them to the old session, which
 * deletes them when it expires: the broker (or consumer) drops out of ZooKeeper while it runs.
 */
describe('registration after a restart within the session timeout', { timeout: 60_000 }, () => {
  const zk = zookeeperForSuite({ session: true, cleanup: killAllBrokers });
  const open = () => ZkSession.open({ connect: zk.connect, sessionTimeoutMs: 30_000, connectionTimeoutMs: 10_000 });

  it('claimEphemeral takes over our own node from the earlier session, so it outlives that session; another holder keeps its node', async () => {
    const before = await open();
    await before.create('/meta/restart/ours', 'meta://10.0.0.1:8123', 'ephemeral');
    await before.create('/meta/restart/theirs', 'meta://10.0.0.2:8123', 'ephemeral');
    const after = await open();
    assert.deepEqual(await after.claimEphemeral('/meta/restart/ours', 'meta://10.0.0.1:8123', (h) => h === 'meta://10.0.0.1:8123'), { claimed: true });
    assert.deepEqual(await after.claimEphemeral('/meta/restart/theirs', 'meta://10.0.0.1:8123', (h) => h === 'meta://10.0.0.1:8123'), {
      claimed: false,
      holder: 'meta://10.0.0.2:8123',
    });
    await before.close(); // the old session ends, as it would on expiry
    await eventually(async () => (await after.getData('/meta/restart/theirs')) === undefined, "the old session's other node goes with it");
    assert.equal(await after.getData('/meta/restart/ours'), 'meta://10.0.0.1:8123', 'our node outlived the old session');
    await after.close();
  });

  it('negative control: writing over the node found (create, then setData on NODE_EXISTS) leaves it to the old session, which takes it away', async () => {
    const before = await open();
    await before.create('/meta/restart/kept', 'meta://10.0.0.1:8123', 'ephemeral');
    const after = await open();
    await after.create('/meta/restart/kept', 'meta://10.0.0.1:8123', 'ephemeral').catch(async (error: unknown) => {
      if (!isNodeExists(error)) throw error;
      await after.setData('/meta/restart/kept', 'meta://10.0.0.1:8123');
    });
    await before.close();
    await eventually(async () => (await after.getData('/meta/restart/kept')) === undefined, 'the node goes with the old session');
    await after.close();
  });

  it('a broker killed -9 and started again at once holds its registration in its new session', async () => {
    const dir = tempDir('restart-reg');
    const config = writeConfig(
      dir,
      { brokerId: 7, dataPath: join(dir, 'data') },
      { orders: { numPartitions: 2 } },
      { 'zk.zkConnect': zk.connect, 'zk.zkSessionTimeoutMs': 20_000 },
    );
    const paths = ['/meta/brokers/ids/7/master', '/meta/brokers/topics-pub/orders/7-m', '/meta/brokers/topics-sub/orders/7-m', '/meta/metaq/admin/7-m'];
    const first = await startBrokerProcess(config);
    const old = await holder(zk.connect, paths[0]!);
    assert.notEqual(old, undefined);
    await first.kill('SIGKILL');
    const second = await startBrokerProcess(config, { port: first.port });
    for (const path of paths) {
      const now = await holder(zk.connect, path);
      assert.ok(now !== undefined && now !== old, `${path} is held by the new session (${now}), not the killed one's (${old})`);
    }
    await second.kill('SIGTERM');
  });
});
