import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import mysql from 'mysql2/promise';
import { CLI } from '../test/support/broker-process.js';
import { startMariaDb } from '../test/support/mariadb-server.js';

export interface BinlogRun {
  rows: number;
  changes: number;
  partitions: number;
  /** `metaq binlog` draining a backlog of `changes` row changes into the topic. */
  publishPerSec: number;
  publisherPeakRssMb: number;
  /** `metaq binlog-apply` writing them into the other MariaDB, one transaction per change. */
  applyPerSec: number;
  applierPeakRssMb: number;
}

async function until(check: () => Promise<boolean> | boolean): Promise<void> {
  for (let tries = 0; tries < 6000; tries += 1) {
    if (await check()) return;
    await sleep(50);
  }
  throw new Error('binlog bench: gave up after 5 minutes');
}

function peakRssMb(child: ChildProcess): number {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

function start(args: string[]): ChildProcess {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, METAQ_LOG_LEVEL: 'warn' } });
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/**
 * A private MariaDB with a row binlog, `rows` inserted and then each updated once (two row
 * changes per row) while the reader is stopped; then the reader drains that backlog to the broker,
 * then the applier drains the topic into a database on the machine's MariaDB.
 */
export async function binlogRun(brokerPort: number, rows: number, partitions: number): Promise<BinlogRun> {
  const dir = mkdtempSync(join(tmpdir(), 'metaq-bench-binlog-'));
  const source = await startMariaDb({ binlog: true });
  const copy = `metaq_bench_copy_${process.pid}`;
  const sourceDb = await mysql.createConnection({ host: '127.0.0.1', port: source.port, user: 'root', multipleStatements: true });
  const targetDb = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', multipleStatements: true });
  const table = 'CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(40) NOT NULL, qty INT NOT NULL, note VARCHAR(100) NULL)';
  try {
    await sourceDb.query(`CREATE DATABASE shop; USE shop; ${table}`);
    await targetDb.query(`DROP DATABASE IF EXISTS ${copy}; CREATE DATABASE ${copy}; USE ${copy}; ${table}`);
    const checkpoint = join(dir, 'checkpoint.json');
    const readerArgs = [
      'binlog',
      '--source',
      `mysql://root@127.0.0.1:${source.port}/`,
      '--topic',
      'binlog-bench',
      '--tables',
      'shop.*',
      '--checkpoint',
      checkpoint,
      '--partitions',
      String(partitions),
      '--port',
      String(brokerPort),
    ];
    const first = start(readerArgs);
    await until(() => existsSync(checkpoint));
    await stop(first);

    const batch = 100;
    for (let id = 0; id < rows; id += batch) {
      const values = Array.from({ length: Math.min(batch, rows - id) }, (_, i) => [id + i, `item ${id + i}`, 1, 'x'.repeat(60)]);
      await sourceDb.query('INSERT INTO items VALUES ?', [values]);
    }
    for (let id = 0; id < rows; id += batch) await sourceDb.query('UPDATE items SET qty = qty + 1 WHERE id >= ? AND id < ?', [id, id + batch]);
    const [status] = await sourceDb.query('SHOW MASTER STATUS');
    const end = (status as Array<{ File: string; Position: number }>)[0]!;

    let started = performance.now();
    const reader = start(readerArgs);
    await until(() => {
      const saved = JSON.parse(readFileSync(checkpoint, 'utf8')) as { file: string; position: number };
      return saved.file === end.File && saved.position >= Number(end.Position);
    });
    const publishSeconds = (performance.now() - started) / 1000;
    const publisherPeakRssMb = peakRssMb(reader);
    await stop(reader);

    started = performance.now();
    const applier = start([
      'binlog-apply',
      '--target',
      `mysql://root@127.0.0.1:3306/${copy}`,
      '--topic',
      'binlog-bench',
      '--partitions',
      String(partitions),
      '--port',
      String(brokerPort),
    ]);
    await until(async () => {
      const [result] = await targetDb.query('SELECT COUNT(*) AS n, COALESCE(SUM(qty), 0) AS total FROM items');
      const { n, total } = (result as Array<{ n: number; total: string }>)[0]!;
      return Number(n) === rows && Number(total) === 2 * rows;
    });
    const applySeconds = (performance.now() - started) / 1000;
    const applierPeakRssMb = peakRssMb(applier);
    await stop(applier);
    const changes = 2 * rows;
    return { rows, changes, partitions, publishPerSec: changes / publishSeconds, publisherPeakRssMb, applyPerSec: changes / applySeconds, applierPeakRssMb };
  } finally {
    await targetDb.query(`DROP DATABASE IF EXISTS ${copy}`);
    await targetDb.end();
    await sourceDb.end();
    await source.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
