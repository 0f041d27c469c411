// Topic administration (docs/operations.md, topics): `metaq topic` and the admin API create,
// alter and delete topics of a running broker, and the change is in server.ini before it applies.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { AdminServer } from '../../src/admin/admin-server.js';
import { Broker } from '../../src/broker/broker.js';
import { DEFAULT_CONFIG_TEXT, parseBrokerConfig } from '../../src/broker/config/broker-config.js';
import { loadBrokerConfig, loadSavedOrDefaultConfig, savedConfigPath } from '../../src/broker/config/load-config.js';
import { MetaZnodes } from '../../src/coordination/zk/znodes.js';
import { MetaqClient } from '../../src/client/index.js';
import { adminIni, startAdminFixture, TOKEN } from '../support/admin-fixture.js';
import type { AdminFixture } from '../support/admin-fixture.js';
import { CLI, tempDir } from '../support/broker-process.js';
import { eventually } from '../support/eventually.js';
import { silentLogger } from '../support/storage-harness.js';
import { get, put, scanPartition, WireSession } from '../support/wire-client.js';
import { useZookeeper } from '../support/zookeeper-fixture.js';

const run = promisify(execFile);

/** `metaq topic …` against the fixture's admin API; resolves with stdout, or the exit code and stderr of a refusal. */
async function topicCommand(f: AdminFixture, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, 'topic', ...args, '--admin', f.admin.url, '--token', TOKEN]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const INI_TOPICS = '; our topics\n[topic=orders]\nnumPartitions=2\n\n; everything the apps write\n[topic=app-*]\ndeletePolicy=delete,24h\n';

describe('metaq topic: create, alter, list, describe and delete at run time, kept in server.ini', () => {
  let f: AdminFixture;
  let session: WireSession;

  before(async () => {
    f = await startAdminFixture(adminIni('', INI_TOPICS));
    chmodSync(f.configFile, 0o600);
    session = await WireSession.open('127.0.0.1', f.broker.port);
  });
  after(async () => {
    await session?.close();
    await f?.stop();
  });

  it('creates a topic that takes puts at once and is in server.ini, comments kept', async () => {
    const created = await topicCommand(f, 'create', 'payments', '--partitions', '4', '--set', 'stat=true');
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /created topic payments: 4 partitions \(kept in .*server\.ini\)/);
    const text = readFileSync(f.configFile, 'utf8');
    assert.match(text, /\[topic=payments\]\nstat=true\nnumPartitions=4\n/);
    assert.match(text, /; our topics\n\[topic=orders\]/, 'the operator’s comments are kept');
    assert.equal(statSync(f.configFile).mode & 0o777, 0o600, 'the file keeps its mode');
    assert.equal((await put(session, 'payments', 3, 'to the last partition')).code, 200);
    assert.equal((await put(session, 'payments', 4, 'past the last')).code, 500);
    assert.equal(parseBrokerConfig(text, f.configFile).topics.find((t) => t.name === 'payments')?.numPartitions, 4);
  });

  it('starts a section from the wildcard section that accepted the name', async () => {
    const created = await topicCommand(f, 'create', 'app-billing', '--partitions', '2');
    assert.equal(created.code, 0, created.stderr);
    assert.equal(f.broker.stores.settings('app-billing')?.deletePolicy, 'delete,24h');
  });

  it('refuses what it cannot do with a reason, and leaves server.ini as it was', async () => {
    const before = readFileSync(f.configFile, 'utf8');
    const again = await topicCommand(f, 'create', 'payments');
    assert.equal(again.code, 1);
    assert.match(again.stderr, /409: topic payments already exists on this broker; change it with `metaq topic alter payments`/);
    const fewer = await topicCommand(f, 'alter', 'payments', '--partitions', '2');
    assert.match(fewer.stderr, /400: topic payments has 4 partitions and partitions can only be added/);
    const unknownKey = await topicCommand(f, 'alter', 'payments', '--set', 'retention=1d');
    assert.match(unknownKey.stderr, /400: "retention" is not a topic setting; the settings are numPartitions/);
    const badValue = await topicCommand(f, 'alter', 'payments', '--set', 'unflushThreshold=lots');
    assert.match(badValue.stderr, /400: .*as this change would write it.*unflushThreshold/);
    const missing = await topicCommand(f, 'alter', 'nowhere', '--partitions', '3');
    assert.match(missing.stderr, /404: topic nowhere does not exist on this broker/);
    const badName = await topicCommand(f, 'create', '../etc');
    assert.equal(badName.code, 64);
    assert.equal(readFileSync(f.configFile, 'utf8'), before);
    assert.equal(f.broker.stores.settings('payments')?.numPartitions, 4);
  });

  it('adds partitions and sets and unsets settings', async () => {
    const altered = await topicCommand(f, 'alter', 'payments', '--partitions', '6', '--set', 'unflushThreshold=5', '--unset', 'stat');
    assert.equal(altered.code, 0, altered.stderr);
    const settings = f.broker.stores.settings('payments')!;
    assert.deepEqual([settings.numPartitions, settings.unflushThreshold, settings.stat], [6, 5, false]);
    assert.equal((await put(session, 'payments', 5, 'in a new partition')).code, 200);
    assert.equal((await topicCommand(f, 'alter', 'orders', '--partitions', '3')).code, 0);
    assert.match(
      readFileSync(f.configFile, 'utf8'),
      /\[topic=orders\]\nnumPartitions=3\n\n; everything the apps write\n\[topic=app-\*\]/,
      'the comment above the next section stays',
    );
  });

  it('refuses to overwrite an edit made on disk since the broker read server.ini, and to move stored partitions', async () => {
    const text = readFileSync(f.configFile, 'utf8');
    writeFileSync(f.configFile, `${text}\n; an operator's note\n`);
    const refused = await topicCommand(f, 'create', 'edited');
    assert.match(refused.stderr, /400: .*server\.ini changed on disk since this broker read it/);
    assert.match(readFileSync(f.configFile, 'utf8'), /an operator's note/, 'the edit is kept');
    writeFileSync(f.configFile, text);
    const moved = await topicCommand(f, 'alter', 'payments', '--set', `dataPath=${tempDir('elsewhere')}`);
    assert.match(moved.stderr, /400: topic payments has partitions stored in .*would hide them/);
  });

  it('lists and describes, as text and JSON', async () => {
    const list = await topicCommand(f, 'list');
    assert.match(list.stdout, /^TOPIC\s+PARTITIONS\s+STORED\s+MESSAGES\s+BYTES\s+SECTION\n/);
    assert.match(list.stdout, /\npayments\s+6\s+2\s+2\s+\d+\s+own\n/);
    const json = JSON.parse((await topicCommand(f, 'list', '--filter', 'PAY', '--json')).stdout) as Array<{ topic: string; admin: string }>;
    assert.deepEqual(
      json.map((t) => [t.topic, t.admin]),
      [['payments', f.admin.url]],
    );
    const described = JSON.parse((await topicCommand(f, 'describe', 'payments', '--json')).stdout) as {
      settings: { numPartitions: number };
      partitions: Array<{ partition: number }>;
    };
    assert.equal(described.settings.numPartitions, 6);
    assert.deepEqual(
      described.partitions.map((p) => p.partition),
      [3, 5],
    );
  });

  it('keeps every change across a restart', async () => {
    const config = await loadBrokerConfig(f.configFile);
    config.system.serverPort = 0;
    const restarted = await Broker.start({ config, logger: silentLogger, host: '127.0.0.1' });
    try {
      assert.deepEqual([restarted.stores.settings('payments')?.numPartitions, restarted.stores.settings('payments')?.unflushThreshold], [6, 5]);
      assert.equal(restarted.stores.settings('app-billing')?.numPartitions, 2);
    } finally {
      await restarted.stop();
    }
  });

  it('delete says what would go without --force, then removes the section and every stored partition', async () => {
    for (const partition of [0, 1]) assert.equal((await put(session, 'orders', partition, `order ${partition}`)).code, 200);
    const dir = join(f.broker.config.system.dataPath, 'payments-3');
    const dry = await topicCommand(f, 'delete', 'payments');
    assert.match(dry.stdout, /would delete topic payments: 2 stored partitions, 2 messages, \d+ bytes\nnothing deleted: run again with --force/);
    assert.ok(existsSync(dir));
    const deleted = await topicCommand(f, 'delete', 'payments', '--force');
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.match(deleted.stdout, /deleted topic payments: 2 partitions, \d+ bytes/);
    assert.ok(!existsSync(dir), 'the partition directory is gone');
    assert.doesNotMatch(readFileSync(f.configFile, 'utf8'), /topic=payments/);
    assert.equal((await get(session, 'payments', 3, 0)).code, 404);
    const refused = await put(session, 'payments', 0, 'after the delete');
    assert.match(refused.text, /do not accept topic payments/, 'no section accepts the name any more');
    assert.equal((await scanPartition(session, 'orders', 1)).length, 1, 'other topics keep their messages');
  });

  it('refuses to delete a topic while an open transaction holds messages for it', async () => {
    assert.equal((await topicCommand(f, 'create', 'ledger', '--partitions', '1')).code, 0);
    const client = new MetaqClient({ serverUrl: f.broker.url, partitions: { ledger: 1 } });
    try {
      const producer = client.producer();
      producer.beginTransaction({ timeoutSeconds: 60 });
      await producer.send({ topic: 'ledger', data: 'in a transaction' });
      const refused = await topicCommand(f, 'delete', 'ledger', '--force');
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /409: topic ledger has messages in 1 open transactions .*commit or roll them back first/);
      assert.match(readFileSync(f.configFile, 'utf8'), /\[topic=ledger\]/, 'nothing was deleted');
      await producer.rollback();
      assert.equal((await topicCommand(f, 'delete', 'ledger', '--force')).code, 0);
    } finally {
      await client.close();
    }
  });

  it('a deleted topic a wildcard still accepts comes back empty on its next put', async () => {
    assert.equal((await put(session, 'app-billing', 1, 'before')).code, 200);
    const deleted = await topicCommand(f, 'delete', 'app-billing', '--force');
    assert.match(deleted.stdout, /\[topic=app-\*\] still accepts the name: a put creates app-billing again, empty/);
    const again = await put(session, 'app-billing', 0, 'after');
    assert.equal(again.code, 200);
    assert.equal(f.broker.stores.find('app-billing', 1), undefined, 'the old partition 1 did not come back');
  });
});

describe('a topic delete interrupted by a crash', () => {
  it('is finished at the next start: the partition renamed for deletion is removed, the others load', async () => {
    const data = tempDir('half-deleted');
    const doomed = join(data, 'gone-0.deleting');
    mkdirSync(doomed);
    writeFileSync(join(doomed, '00000000000000000000.meta'), 'left by a crash');
    const config = parseBrokerConfig(DEFAULT_CONFIG_TEXT, undefined);
    Object.assign(config.system, { dataPath: data, serverPort: 0 });
    const broker = await Broker.start({ config, logger: silentLogger, host: '127.0.0.1' });
    try {
      assert.ok(!existsSync(doomed), 'the half-deleted partition is gone');
      assert.equal(broker.stores.find('gone', 0), undefined);
    } finally {
      await broker.stop();
    }
  });
});

describe('a broker started without server.ini keeps its topic changes in its data directory', () => {
  it('writes <dataPath>.metaq/server.ini, which the next start without --config reads, and nothing in the data directory', async () => {
    const data = tempDir('no-config');
    const config = parseBrokerConfig(DEFAULT_CONFIG_TEXT, undefined);
    Object.assign(config.system, { dataPath: data, serverPort: 0 });
    const broker = await Broker.start({ config, logger: silentLogger, host: '127.0.0.1' });
    const admin = await AdminServer.start(broker, { port: 0, host: '127.0.0.1', token: TOKEN });
    try {
      const response = await fetch(`${admin.url}/api/topics`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ topic: 'events', partitions: 8 }),
      });
      assert.equal(response.status, 201, await response.clone().text());
      assert.equal(((await response.json()) as { file: string }).file, `${data}.metaq/server.ini`);
    } finally {
      await admin.close();
      await broker.stop();
    }
    assert.equal(savedConfigPath(data), `${data}.metaq/server.ini`);
    assert.ok(
      readdirSync(data).every((name) => /^events-\d+$/.test(name)),
      `the data directory holds partitions only (a Java broker's loader counts every entry): ${readdirSync(data).join(', ')}`,
    );
    const next = await loadSavedOrDefaultConfig(data);
    assert.equal(next.topics.find((t) => t.name === 'events')?.numPartitions, 8);
    assert.ok(
      next.topics.some((t) => t.name === '*'),
      'the built-in wildcard section is still there',
    );
    const elsewhere = await loadSavedOrDefaultConfig(tempDir('other-data'));
    assert.equal(elsewhere.file, undefined, 'another data directory starts from the built-in defaults');
  });
});

describe('in cluster mode topic changes are published in ZooKeeper', () => {
  const zk = useZookeeper();
  let f: AdminFixture;
  const znodes = new MetaZnodes('/meta');
  const published = (topic: string) => zk.session.getData(`${znodes.topicsPub(topic)}/3-m`);

  before(async () => {
    f = await startAdminFixture(adminIni(zk.ini(), '[topic=orders]\n'));
  });
  after(async () => f?.stop());

  it('registers a created topic with its partitions, again when they grow, and withdraws it when deleted', async () => {
    assert.equal((await topicCommand(f, 'create', 'shipments', '--partitions', '3')).code, 0);
    await eventually(async () => (await published('shipments'))?.includes('"numParts":3') === true, 'shipments published with 3 partitions');
    assert.equal((await topicCommand(f, 'alter', 'shipments', '--partitions', '5')).code, 0);
    await eventually(async () => (await published('shipments'))?.includes('"numParts":5') === true, 'shipments published with 5 partitions');
    assert.equal((await topicCommand(f, 'delete', 'shipments', '--force')).code, 0);
    await eventually(async () => (await published('shipments')) === undefined, 'shipments withdrawn');
    assert.notEqual(await published('orders'), undefined, 'other topics stay registered');
  });

  it('refuses to delete a topic while an async slave copies this broker', async () => {
    assert.equal((await topicCommand(f, 'create', 'copied')).code, 0);
    const slave = `${znodes.brokerId(3)}/slave0`;
    await zk.session.create(slave, 'meta://127.0.0.1:1', 'ephemeral');
    try {
      const refused = await topicCommand(f, 'delete', 'copied', '--force');
      assert.match(refused.stderr, /409: topic copied is not deleted: async slaves copy this broker \(slave0 in ZooKeeper\)/);
    } finally {
      await zk.session.remove(slave);
    }
    assert.equal((await topicCommand(f, 'delete', 'copied', '--force')).code, 0);
  });
});
