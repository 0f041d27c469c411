import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import mysql from 'mysql2/promise';
import pg from 'pg';
import {
  FileOffsetStorage,
  MemoryOffsetStorage,
  mysqlDialect,
  mysqlExecutor,
  postgresDialect,
  postgresExecutor,
  SqlOffsetStorage,
  ZkOffsetStorage,
  ZkSession,
} from '../../src/client/index.js';
import { startZookeeper } from '../support/zookeeper-server.js';
import type { OffsetStorage } from '../../src/client/index.js';

const table = `meta_offsets_test_${process.pid}`;
const mysqlPool = mysql.createPool({ host: '127.0.0.1', user: 'root', database: 'test', connectionLimit: 2 });
const pgPool = new pg.Pool({ host: '127.0.0.1', user: 'postgres', database: 'postgres', max: 2 });

const p0 = { brokerId: 0, index: 0 };
const p1 = { brokerId: 0, index: 1 };
const bigId = 2062193103221030912n;

/** One behaviour, every implementation (docs/client.md, Offset storage), including 64-bit message ids. */
function conformance(name: string, create: () => OffsetStorage): void {
  describe(`offset storage conformance: ${name}`, () => {
    it('loads nothing for a partition never seen', async () => {
      assert.equal(await create().load('t-none', 'g', p0), undefined);
    });

    it('initOffset records a start once and never overwrites', async () => {
      const storage = create();
      await storage.initOffset('t-init', 'g', p0, 100);
      await storage.initOffset('t-init', 'g', p0, 999);
      assert.deepEqual(await storage.load('t-init', 'g', p0), { offset: 100, msgId: -1n });
    });

    it('commit saves offsets and ids; groups and partitions are separate; later commits win', async () => {
      const storage = create();
      await storage.commit('g1', [
        { topic: 't-commit', partition: p0, offset: 10, msgId: 5n },
        { topic: 't-commit', partition: p1, offset: 20, msgId: bigId },
      ]);
      await storage.commit('g2', [{ topic: 't-commit', partition: p0, offset: 77, msgId: 1n }]);
      await storage.commit('g1', [{ topic: 't-commit', partition: p0, offset: 11, msgId: 6n }]);
      assert.equal((await storage.load('t-commit', 'g1', p0))?.offset, 11);
      assert.equal((await storage.load('t-commit', 'g1', p1))?.offset, 20);
      assert.equal((await storage.load('t-commit', 'g2', p0))?.offset, 77);
      assert.equal((await storage.load('t-commit', 'g1', p1))?.msgId, bigId, '64-bit ids survive');
    });

    it('a new group is saved (MetaQ dropped them) and survives reopening', async () => {
      const first = create();
      await first.initOffset('t-new', 'fresh-group', p0, 0);
      await first.commit('fresh-group', [{ topic: 't-new', partition: p0, offset: 4096, msgId: 9n }]);
      await first.close();
      assert.equal((await create().load('t-new', 'fresh-group', p0))?.offset, 4096);
    });

    it('offsets beyond 2^31 are kept exactly', async () => {
      const storage = create();
      await storage.commit('g', [{ topic: 't-big', partition: p0, offset: 2 ** 40 + 3, msgId: 1n }]);
      assert.equal((await storage.load('t-big', 'g', p0))?.offset, 2 ** 40 + 3);
    });
  });
}

const memory = new MemoryOffsetStorage();
conformance('memory', () => memory);

const file = join(mkdtempSync(join(tmpdir(), 'metaq-offsets-')), 'meta_offsets');
conformance('file', () => new FileOffsetStorage(file));
conformance('MariaDB', () => new SqlOffsetStorage(mysqlExecutor(mysqlPool), mysqlDialect, table));
conformance('PostgreSQL', () => new SqlOffsetStorage(postgresExecutor(pgPool), postgresDialect, table));

const zookeeper = await startZookeeper();
const zkSession = await ZkSession.open({ connect: zookeeper.connect, sessionTimeoutMs: 4000, connectionTimeoutMs: 10_000 });
conformance('ZooKeeper', () => new ZkOffsetStorage(zkSession));

describe('ZooKeeper offset node format', () => {
  it('writes MetaQ msgId-offset nodes', async () => {
    assert.equal(await zkSession.getData('/meta/consumers/g1/offsets/t-commit/0-1'), `${bigId}-20`);
  });
});

describe('file offset storage format', () => {
  it('writes the Java client format', () => {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown[]>;
    assert.deepEqual(parsed.g2, [{ topic: 't-commit', partition: { brokerId: 0, partition: 0 }, offset: 77, messageId: 1, modified: false }]);
    assert.match(readFileSync(file, 'utf8'), new RegExp(`"messageId":${bigId}`), 'ids written with every digit');
  });
});

after(async () => {
  await mysqlPool.query(`DROP TABLE IF EXISTS ${table}`);
  await pgPool.query(`DROP TABLE IF EXISTS ${table}`);
  await mysqlPool.end();
  await pgPool.end();
  await zkSession.close();
  await zookeeper.stop();
});
