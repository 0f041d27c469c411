import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { CLI, tempDir } from '../support/broker-process.js';
import { adminIni, startAdminFixture, TOKEN } from '../support/admin-fixture.js';
import type { AdminFixture } from '../support/admin-fixture.js';
import { useZookeeper } from '../support/zookeeper-fixture.js';
import { MetaZnodes } from '../../src/coordination/zk/znodes.js';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { mysqlDialect, mysqlExecutor, postgresDialect, postgresExecutor, SqlOffsetStorage } from '../../src/client/index.js';
import type { SqlExecutor } from '../../src/client/index.js';

const run = promisify(execFile);
const metaq = (...args: string[]) => run(process.execPath, [CLI, ...args], { env: { ...process.env, METAQ_ADMIN_TOKEN: '', METAQ_TOKEN: '' } });
const refused = async (args: string[]): Promise<{ code: number; stderr: string }> => {
  try {
    await metaq(...args);
  } catch (error) {
    const failed = error as { code: number; stderr: string };
    return { code: failed.code, stderr: failed.stderr };
  }
  throw new Error(`metaq ${args.join(' ')} succeeded`);
};

describe('metaq operations commands', () => {
  let f: AdminFixture;

  before(async () => {
    f = await startAdminFixture(adminIni());
  });
  after(async () => f.stop());

  it('reload, close-partitions and open-partitions act through the admin API', async () => {
    appendFileSync(f.configFile, '\n[topic=added-by-reload]\n');
    const { stdout } = await metaq('reload', '--admin', f.admin.url, '--token', TOKEN);
    assert.match(stdout, /added added-by-reload/);
    assert.ok(f.broker.stores.settings('added-by-reload') !== undefined);
    assert.match(
      (await metaq('close-partitions', 'orders', '--start', '0', '--end', '1', '--admin', f.admin.url, '--token', TOKEN)).stdout,
      /partitions 0, 1 closed/,
    );
    assert.deepEqual(f.broker.closedPartitions.closedOf('orders'), [0, 1]);
    await metaq('open-partitions', 'orders', '--admin', f.admin.url, '--token', TOKEN);
    assert.deepEqual(f.broker.closedPartitions.closedOf('orders'), []);
  });

  it('refuses a missing or wrong token with a clear message and exit code, changing nothing', async () => {
    const missing = await refused(['close-partitions', 'orders', '--start', '0', '--end', '0', '--admin', f.admin.url]);
    assert.equal(missing.code, 64);
    assert.match(missing.stderr, /needs a token: --token T or METAQ_TOKEN/);
    const wrong = await refused(['close-partitions', 'orders', '--start', '0', '--end', '0', '--admin', f.admin.url, '--token', 'nope']);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /answered 401: the token is wrong/);
    assert.deepEqual(f.broker.closedPartitions.closedOf('orders'), []);
  });

  it('move-partitions renumbers directories of a stopped broker; delete-partitions needs --force', async () => {
    const data = tempDir('move');
    for (const i of [0, 1, 2]) {
      mkdirSync(join(data, `clicks-${i}`));
      writeFileSync(join(data, `clicks-${i}`, '00000000000000000000.meta'), `partition ${i}`);
    }
    mkdirSync(join(data, 'clicks-5'));
    const clash = await refused(['move-partitions', '--data', data, '--topic', 'clicks', '--start', '0', '--end', '2', '--offset', '3']);
    assert.match(clash.stderr, /clicks-5 already exists; nothing was moved/);
    assert.ok(existsSync(join(data, 'clicks-0')), 'nothing moved after the refusal');
    const moved = await metaq('move-partitions', '--data', data, '--topic', 'clicks', '--start', '0', '--end', '2', '--offset', '1');
    assert.match(moved.stdout, /clicks-2 -> .*clicks-3/);
    assert.deepEqual(readdirSync(data).sort(), ['clicks-1', 'clicks-2', 'clicks-3', 'clicks-5']);
    const dry = await metaq('delete-partitions', '--data', data, '--topic', 'clicks', '--start', '1', '--end', '3');
    assert.match(dry.stdout, /would delete clicks-1 … clicks-3.*--force/);
    assert.equal(readdirSync(data).length, 4);
    await metaq('delete-partitions', '--data', data, '--topic', 'clicks', '--start', '1', '--end', '3', '--force');
    assert.deepEqual(readdirSync(data), ['clicks-5']);
  });

  describe('with ZooKeeper', () => {
    const zk = useZookeeper();

    it("copy-offsets copies every group's offsets to the target partitions; offsets shows them", async () => {
      const z = new MetaZnodes('/meta');
      for (const group of ['billing', 'audit']) {
        for (const p of [0, 1]) await zk.session.writePersistent(z.offset(group, 'orders', `1-${p}`), `${100 + p}-${1000 * (p + 1)}`);
      }
      await zk.session.create(z.owner('billing', 'orders', '1-0'), 'billing_host-1', 'ephemeral');
      const copied = await metaq(
        'copy-offsets',
        '--zk',
        zk.server.connect,
        '--topic',
        'orders',
        '--source',
        '1',
        '--target',
        '2',
        '--start',
        '0',
        '--end',
        '1',
        '--target-start',
        '4',
      );
      assert.match(copied.stdout, /4 offsets copied/);
      assert.equal(await zk.session.getData(z.offset('audit', 'orders', '2-5')), '101-2000');
      assert.equal(await zk.session.getData(z.offset('billing', 'orders', '2-4')), '100-1000');
      const shown = await metaq('offsets', '--zk', zk.server.connect, '--group', 'billing', '--topic', 'orders');
      assert.match(shown.stdout, /^1-0\toffset 1000\tmsgId 100\towner billing_host-1$/m);
      assert.match(shown.stdout, /^2-5\toffset 2000\tmsgId 101\towner -$/m);
    });
  });

  describe("offsets kept in SQL (MetaQ's showoffset type=mysql)", () => {
    const table = `cli_offsets_${process.pid}`;
    const databases: Array<{ name: string; url: string; executor: () => { executor: SqlExecutor; end(): Promise<void> }; dialect: typeof mysqlDialect }> = [
      {
        name: 'MariaDB',
        url: 'mysql://root@127.0.0.1:3306/test',
        dialect: mysqlDialect,
        executor: () => {
          const pool = mysql.createPool({ host: '127.0.0.1', user: 'root', database: 'test', connectionLimit: 1 });
          return { executor: mysqlExecutor(pool), end: () => pool.end() };
        },
      },
      {
        name: 'PostgreSQL',
        url: 'postgres://postgres@127.0.0.1:5432/postgres',
        dialect: postgresDialect,
        executor: () => {
          const pool = new pg.Pool({ host: '127.0.0.1', user: 'postgres', database: 'postgres', max: 1 });
          return { executor: postgresExecutor(pool), end: () => pool.end() };
        },
      },
    ];
    for (const db of databases) {
      it(`offsets --db shows a group's rows from ${db.name} in partition order`, async () => {
        const connection = db.executor();
        const executor = connection.executor;
        try {
          const storage = new SqlOffsetStorage(executor, db.dialect, table);
          const info = (brokerId: number, index: number, offset: number) => ({
            topic: 'orders',
            partition: { brokerId, index },
            offset,
            msgId: BigInt(offset) * 1_000_000_007n,
          });
          await storage.commit('billing', [info(1, 10, 900), info(1, 2, 200), info(0, 0, 50)]);
          await storage.commit('audit', [info(0, 0, 7)]);
          const { stdout } = await metaq('offsets', '--db', db.url, '--table', table, '--group', 'billing', '--topic', 'orders');
          assert.equal(stdout, '0-0\toffset 50\tmsgId 50000000350\n1-2\toffset 200\tmsgId 200000001400\n1-10\toffset 900\tmsgId 900000006300\n');
          assert.match(
            (await metaq('offsets', '--db', db.url, '--table', table, '--group', 'nobody', '--topic', 'orders')).stdout,
            /group nobody has no offsets for orders/,
          );
          const missing = await refused(['offsets', '--db', db.url, '--table', `${table}_absent`, '--group', 'billing', '--topic', 'orders']);
          assert.match(missing.stderr, /could not read table .*_absent .*is --table the one the consumers write\?/);
        } finally {
          await executor.query(`DROP TABLE IF EXISTS ${table}`, []);
          await connection.end();
        }
      });
    }

    it('offsets --db refuses a URL it cannot use', async () => {
      const wrong = await refused(['offsets', '--db', 'redis://127.0.0.1', '--group', 'g', '--topic', 't']);
      assert.equal(wrong.code, 64);
      assert.match(wrong.stderr, /--db must be a mysql:\/\/ or postgres:\/\/ URL/);
    });
  });
});
