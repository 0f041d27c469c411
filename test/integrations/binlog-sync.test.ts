import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import mysql from 'mysql2/promise';
import type { Broker } from '../../src/broker/broker.js';
import { MetaqClient } from '../../src/client/index.js';
import { CLI, tempDir } from '../support/broker-process.js';
import { startBroker } from '../support/in-process-broker.js';
import { startMariaDb } from '../support/mariadb-server.js';
import type { MariaDbServer } from '../support/mariadb-server.js';
import { readTopic } from '../support/read-topic.js';

const PARTITIONS = 4;
const TRANSACTIONS = 1200;

const SCHEMA = `
  CREATE TABLE accounts (id INT PRIMARY KEY, owner VARCHAR(40) NOT NULL, balance DECIMAL(14,2) NOT NULL, note TEXT NULL, updated DATETIME(3) NOT NULL, tag VARBINARY(16) NULL);
  CREATE TABLE ledger (account INT NOT NULL, seq INT NOT NULL, amount BIGINT NOT NULL, PRIMARY KEY (account, seq));
`;

/** A small seeded generator (mulberry32), so a failing run can be repeated from its printed seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function snapshot(connection: mysql.Connection): Promise<string> {
  const [accounts] = await connection.query(
    'SELECT id, owner, balance, note, DATE_FORMAT(updated, "%Y-%m-%d %H:%i:%s.%f") AS updated, HEX(tag) AS tag FROM accounts ORDER BY id',
  );
  const [ledger] = await connection.query('SELECT account, seq, amount FROM ledger ORDER BY account, seq');
  return JSON.stringify({ accounts, ledger });
}

/** Poll (bounded: 600 × 100 ms) until `check` holds. */
async function converges(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let tries = 0; tries < 600; tries += 1) {
    if (await check()) return;
    await sleep(100);
  }
  throw new Error(`${what} did not happen within 60 s`);
}

describe('metaq binlog and binlog-apply: MariaDB row changes copied through a topic, both sides killed', { timeout: 240_000 }, () => {
  let source: MariaDbServer;
  let broker: Broker;
  let client: MetaqClient;
  let sourceDb: mysql.Connection;
  let targetDb: mysql.Connection;
  const copy = `metaq_copy_${process.pid}`;
  const children: ChildProcess[] = [];

  before(async () => {
    source = await startMariaDb({ binlog: true });
    broker = await startBroker({}, `[topic=*]\n[topic=rows]\nnumPartitions=${PARTITIONS}\n`);
    client = new MetaqClient({ serverUrl: broker.url, partitions: { rows: PARTITIONS } });
    sourceDb = await mysql.createConnection({ host: '127.0.0.1', port: source.port, user: 'root', multipleStatements: true });
    await sourceDb.query(`CREATE DATABASE shop CHARACTER SET utf8mb4; USE shop; ${SCHEMA}`);
    targetDb = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', multipleStatements: true });
    await targetDb.query(`DROP DATABASE IF EXISTS ${copy}; CREATE DATABASE ${copy} CHARACTER SET utf8mb4; USE ${copy}; ${SCHEMA}`);
  });
  after(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await targetDb?.query(`DROP DATABASE IF EXISTS ${copy}`);
    await targetDb?.end();
    await sourceDb?.end();
    await client?.close();
    await broker?.stop();
    await source?.stop();
  });

  const run = (args: string[]): ChildProcess => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, METAQ_LOG_LEVEL: 'warn' } });
    child.stderr.resume();
    children.push(child);
    return child;
  };
  const kill = async (child: ChildProcess): Promise<void> => {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };
  const stop = (child: ChildProcess): Promise<number | null> => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    return exited;
  };

  it('makes the copy equal the source after inserts, updates, key changes and deletes, with kill -9 of reader and applier at random points', async () => {
    const dir = tempDir('binlog');
    const seed = Number(process.env.BINLOG_SEED ?? Date.now() % 1_000_000);
    const next = random(seed);
    const readerArgs = [
      'binlog',
      '--source',
      `mysql://root@127.0.0.1:${source.port}/`,
      '--topic',
      'rows',
      '--tables',
      'shop.*',
      '--checkpoint',
      join(dir, 'checkpoint.json'),
      '--partitions',
      String(PARTITIONS),
      '--port',
      String(broker.port),
      '--checkpoint-ms',
      '50',
    ];
    const applierArgs = [
      'binlog-apply',
      '--target',
      `mysql://root@127.0.0.1:3306/${copy}`,
      '--topic',
      'rows',
      '--partitions',
      String(PARTITIONS),
      '--port',
      String(broker.port),
    ];
    let reader = run(readerArgs);
    let applier = run(applierArgs);
    // The reader saves its starting point before it reads: wait for it, so no change predates it.
    await converges(() => Promise.resolve(existsSync(join(dir, 'checkpoint.json'))), 'the reader saving its starting position');

    // A message that is not a row change: the applier logs and skips it instead of stopping the sync.
    await client.producer().send({ topic: 'rows', data: 'not a row change' }, { partition: { brokerId: 0, index: 0 } });

    const ids: number[] = [];
    let nextId = 1;
    const killAt = new Set(Array.from({ length: 5 }, () => 100 + Math.floor(next() * (TRANSACTIONS - 200))));
    let kills = 0;
    await sourceDb.query('USE shop');
    for (let n = 0; n < TRANSACTIONS; n += 1) {
      await sourceDb.query('BEGIN');
      for (let statements = 1 + Math.floor(next() * 3); statements > 0; statements -= 1) {
        const pick = next();
        const id = ids[Math.floor(next() * ids.length)];
        const at = `2026-12-03 10:${String(Math.floor(next() * 60)).padStart(2, '0')}:00.${String(n % 1000).padStart(3, '0')}`;
        if (pick < 0.35 || id === undefined) {
          const fresh = nextId++;
          ids.push(fresh);
          await sourceDb.query('INSERT INTO accounts VALUES (?, ?, ?, ?, ?, ?)', [
            fresh,
            `owner ${fresh} ✓`,
            (next() * 1e6).toFixed(2),
            next() < 0.3 ? null : `note ${n}`,
            at,
            next() < 0.5 ? null : Buffer.from([fresh & 0xff, 0, 0xfe]),
          ]);
        } else if (pick < 0.7) {
          await sourceDb.query('UPDATE accounts SET balance = balance + ?, note = ?, updated = ? WHERE id = ?', [
            (next() * 100).toFixed(2),
            `changed in ${n}`,
            at,
            id,
          ]);
        } else if (pick < 0.78) {
          const fresh = nextId++;
          await sourceDb.query('UPDATE accounts SET id = ? WHERE id = ?', [fresh, id]);
          ids[ids.indexOf(id)] = fresh;
        } else if (pick < 0.88) {
          await sourceDb.query('DELETE FROM accounts WHERE id = ?', [id]);
          ids.splice(ids.indexOf(id), 1);
        } else {
          await sourceDb.query('INSERT INTO ledger VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE amount = amount + VALUES(amount)', [
            id,
            n % 7,
            Math.floor(next() * 2 ** 40) - 2 ** 39,
          ]);
        }
      }
      await sourceDb.query('COMMIT');
      if (killAt.has(n)) {
        kills += 1;
        const which = next();
        if (which < 0.4) {
          await kill(reader);
          reader = run(readerArgs);
        } else if (which < 0.8) {
          await kill(applier);
          applier = run(applierArgs);
        } else {
          await Promise.all([kill(reader), kill(applier)]);
          reader = run(readerArgs);
          applier = run(applierArgs);
        }
      }
    }

    const expected = await snapshot(sourceDb);
    await targetDb.query(`USE ${copy}`);
    await converges(async () => (await snapshot(targetDb)) === expected, `the copy matching the source (seed ${seed})`);
    assert.equal(await snapshot(targetDb), expected);
    assert.ok(kills >= 1, 'at least one kill happened');

    const changes = (await readTopic(client, 'rows', PARTITIONS))
      .filter((text) => text.startsWith('{'))
      .map((text) => JSON.parse(text) as { type: string; schema: string; table: string });
    assert.ok(
      changes.some((c) => c.type === 'update') && changes.some((c) => c.type === 'delete') && changes.some((c) => c.table === 'ledger'),
      'updates, deletes and the second table were published',
    );
    assert.equal(await stop(reader), 0, 'SIGTERM stops the reader cleanly');
    assert.equal(await stop(applier), 0, 'SIGTERM stops the applier cleanly');
  });

  it('refuses a source that logs statements, saying how to switch it to rows', async () => {
    await sourceDb.query("SET GLOBAL binlog_format = 'MIXED'");
    try {
      const reader = spawn(
        process.execPath,
        [
          CLI,
          'binlog',
          '--source',
          `mysql://root@127.0.0.1:${source.port}/`,
          '--topic',
          'rows',
          '--checkpoint',
          join(tempDir('binlog-mixed'), 'checkpoint.json'),
          '--port',
          String(broker.port),
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      children.push(reader);
      let stderr = '';
      reader.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise((resolve) => reader.once('exit', resolve));
      assert.equal(code, 1);
      assert.match(stderr, /logs in MIXED format.*binlog_format = 'ROW'/);
    } finally {
      await sourceDb.query("SET GLOBAL binlog_format = 'ROW'");
    }
  });
});
