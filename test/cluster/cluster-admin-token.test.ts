import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { AdminServer } from '../../src/admin/admin-server.js';
import { Broker } from '../../src/broker/broker.js';
import { parseBrokerConfig } from '../../src/broker/config/broker-config.js';
import { MetaqClient } from '../../src/client/index.js';
import type { LagRow } from '../../src/cli/lag-command.js';
import type { TraceEvent } from '../../src/broker/tracing/trace-book.js';
import { MetaZnodes } from '../../src/coordination/zk/znodes.js';
import { CLI, tempDir } from '../support/broker-process.js';
import { eventually } from '../support/eventually.js';
import { silentLogger } from '../support/storage-harness.js';
import { zookeeperForSuite } from '../support/suite-zookeeper.js';

const run = promisify(execFile);
const znodes = new MetaZnodes('/meta');

// One admin credential for a cluster (docs/cluster.md, Operating several brokers): brokers without
// a token of their own share the one in ZooKeeper and register their admin URLs, so `--zk` alone
// reaches them all.
describe('the cluster admin token and admin URL discovery', { timeout: 90_000 }, () => {
  const zookeeper = zookeeperForSuite({ session: true });
  const brokers: Broker[] = [];
  const admins: AdminServer[] = [];
  // No token from the environment and no saved profile: only what --zk finds.
  const env: NodeJS.ProcessEnv = { ...process.env, METAQ_CONFIG: join(tempDir('no-profile'), 'none.json') };
  for (const name of ['METAQ_TOKEN', 'METAQ_ADMIN_TOKEN', 'METAQ_ADMIN', 'METAQ_PROFILE', 'METAQ_ZK']) delete env[name];
  const metaq = async (...args: string[]): Promise<string> => (await run(process.execPath, [CLI, ...args], { env })).stdout;

  const start = async (brokerId: number, http = ''): Promise<{ broker: Broker; admin: AdminServer }> => {
    const text =
      `[system]\nbrokerId=${brokerId}\nserverPort=0\nunflushThreshold=0\ndataPath=${tempDir(`admin-token-${brokerId}`)}\n` +
      `[zookeeper]\nzk.zkConnect=${zookeeper.connect}\nzk.zkSyncTimeMs=10\n[http]\n${http}\n[topic=orders]\nnumPartitions=1\ntrace=true\n`;
    const broker = await Broker.start({ config: parseBrokerConfig(text, `b${brokerId}.ini`), logger: silentLogger, host: '127.0.0.1' });
    brokers.push(broker);
    const admin = await AdminServer.start(broker, { port: 0, host: '127.0.0.1' });
    admins.push(admin);
    return { broker, admin };
  };

  const close = async (admin: AdminServer): Promise<void> => {
    admins.splice(admins.indexOf(admin), 1);
    await admin.close();
  };

  before(async () => {
    // Started together: create-if-absent must leave both with the one token.
    await Promise.all([start(1), start(2)]);
  });
  after(async () => {
    for (const admin of admins) await admin.close();
    for (const broker of brokers) await broker.stop();
  });

  it('two brokers started without tokens agree on one, kept in ZooKeeper, and register their admin URLs', async () => {
    const [one, two] = admins;
    assert.equal(one!.tokenSource, 'cluster');
    assert.equal(two!.tokenSource, 'cluster');
    assert.equal(one!.token, two!.token);
    assert.equal(await zookeeper.session.getData(znodes.adminToken()), one!.token);
    assert.deepEqual((await zookeeper.session.getChildren(znodes.adminUrls())).sort(), ['1-m', '2-m']);
    const registered = [await zookeeper.session.getData(znodes.adminUrl(1, 'm')), await zookeeper.session.getData(znodes.adminUrl(2, 'm'))];
    assert.deepEqual(registered.sort(), [one!.url, two!.url].sort());
  });

  it('metaq lag --zk and metaq trace --zk read both brokers with no token given', async () => {
    const sent: bigint[] = [];
    for (const broker of [...brokers].sort((a, b) => a.config.system.brokerId - b.config.system.brokerId)) {
      const client = new MetaqClient({ serverUrl: broker.url });
      try {
        sent.push((await client.producer().send({ topic: 'orders', data: `order for ${broker.url}` })).id);
        await client.get('orders', 0, 0, { group: 'billing' });
      } finally {
        await client.close();
      }
    }
    const rows = JSON.parse(await metaq('lag', '--json', '--group', 'billing', '--zk', zookeeper.connect)) as LagRow[];
    assert.deepEqual(
      rows.map((row) => row.partition),
      ['1-0', '2-0'],
    );
    for (const [n, id] of sent.entries()) {
      const events = JSON.parse(await metaq('trace', String(id), '--json', '--zk', zookeeper.connect)) as Array<TraceEvent & { brokerId: number }>;
      assert.ok(
        events.some((event) => event.event === 'stored' && event.brokerId === n + 1),
        `message ${id} stored on broker ${n + 1}: ${JSON.stringify(events)}`,
      );
    }
  });

  it('a saved profile holding only --zk is enough', async () => {
    const profiles = { ...env, METAQ_CONFIG: join(tempDir('zk-profile'), 'profiles.json') };
    await run(process.execPath, [CLI, 'profile', 'save', 'cluster', '--zk', zookeeper.connect], { env: profiles });
    const rows = JSON.parse((await run(process.execPath, [CLI, 'lag', '--json', '--group', 'billing'], { env: profiles })).stdout) as LagRow[];
    assert.equal(rows.length, 2);
  });

  it('without a cluster token in ZooKeeper --zk needs --token, and says so', async () => {
    const token = (await zookeeper.session.getData(znodes.adminToken()))!;
    await zookeeper.session.remove(znodes.adminToken());
    try {
      await assert.rejects(
        metaq('lag', '--zk', zookeeper.connect),
        (error: { code: number; stderr: string }) => error.code === 64 && /holds no cluster admin token .*: give --token T/.test(error.stderr),
      );
      assert.match(await metaq('lag', '--zk', zookeeper.connect, '--token', token), /^GROUP\s/);
    } finally {
      await zookeeper.session.create(znodes.adminToken(), token, 'persistent');
    }
  });

  it('without --zk the CLI still needs the token; --admin with --zk is refused', async () => {
    await assert.rejects(
      metaq('lag', '--admin', admins[0]!.url),
      (error: { code: number; stderr: string }) => error.code === 64 && /the admin API needs a token/.test(error.stderr),
    );
    await assert.rejects(
      metaq('lag', '--admin', admins[0]!.url, '--zk', zookeeper.connect),
      (error: { code: number; stderr: string }) => error.code === 64 && /--admin and --zk both name the brokers/.test(error.stderr),
    );
    await assert.rejects(
      metaq('lag', '--zk', zookeeper.connect, '--root', '/elsewhere'),
      (error: { code: number; stderr: string }) =>
        error.code === 1 && /no broker has registered an admin URL .* under \/elsewhere\/metaq\/admin/.test(error.stderr),
    );
  });

  it('a broker with its own [http] token keeps it, is reported as refusing the cluster token, and leaves when closed', async () => {
    const { admin } = await start(3, 'token=own-token-of-broker-3');
    assert.equal(admin.tokenSource, 'configured');
    assert.equal(admin.token, 'own-token-of-broker-3');
    assert.equal(await zookeeper.session.getData(znodes.adminToken()), admins[0]!.token, "the cluster's token is not changed");
    await assert.rejects(
      metaq('lag', '--zk', zookeeper.connect),
      (error: { code: number; stderr: string }) => error.code === 1 && error.stderr.includes(`on ${admin.url} answered 401: the token is wrong`),
    );
    await close(admin);
    await eventually(async () => (await zookeeper.session.getData(znodes.adminUrl(3, 'm'))) === undefined, "broker 3's admin URL removed");
    assert.match(await metaq('lag', '--zk', zookeeper.connect), /^GROUP\s/);
  });

  it('[http] tokenFile is read, and refused when group or others may read it', async () => {
    const dir = tempDir('token-file');
    const file = join(dir, 'admin-token');
    writeFileSync(file, 'token-from-file\n', { mode: 0o644 });
    chmodSync(file, 0o644);
    await assert.rejects(start(4, `tokenFile=${file}`), /tokenFile .* is readable by others \(mode 0644\); run: chmod 600/);
    chmodSync(file, 0o600);
    const { admin } = await start(5, `tokenFile=${file}`);
    assert.equal(admin.tokenSource, 'file');
    assert.equal(admin.token, 'token-from-file');
    await close(admin);
  });
});
