import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { tempDir } from './broker-process.js';
import { freePort } from './free-port.js';

/** A private MariaDB server on loopback, for tests that must crash the database (K10). */
export interface MariaDbServer {
  port: number;
  /** kill -9: InnoDB crash recovery runs at the next start. */
  crash(): Promise<void>;
  /** Start again on the same data directory and port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

async function answers(port: number): Promise<boolean> {
  try {
    const connection = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root', connectTimeout: 1000 });
    await connection.end();
    return true;
  } catch {
    return false;
  }
}

/** Install a data directory with Debian's mariadb-install-db and run mariadbd on it; `binlog`: with a row-based binlog. */
export async function startMariaDb(options: { binlog?: boolean } = {}): Promise<MariaDbServer> {
  const dir = tempDir('mariadb');
  const data = join(dir, 'data');
  await promisify(execFile)('mariadb-install-db', [
    '--no-defaults',
    `--datadir=${data}`,
    '--auth-root-authentication-method=normal',
    '--skip-test-db',
    '--user=root',
  ]);
  const port = await freePort();
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const binlog = options.binlog
    ? [`--log-bin=${join(dir, 'binlog')}`, '--binlog-format=ROW', '--binlog-row-metadata=FULL', '--server-id=1']
    : ['--skip-log-bin'];
  const start = async (): Promise<void> => {
    const args = [
      '--no-defaults',
      `--datadir=${data}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--socket=${join(dir, 'mariadb.sock')}`,
      '--user=root',
      ...binlog,
      '--innodb-buffer-pool-size=32M',
      '--skip-name-resolve',
    ];
    const started = spawn('mariadbd', args, { stdio: 'ignore' });
    child = started;
    running.add(started);
    let alive = true;
    exited = new Promise((resolve) =>
      started.once('exit', () => {
        alive = false;
        running.delete(started);
        resolve();
      }),
    );
    for (let tries = 0; tries < 150 && alive; tries += 1) {
      if (await answers(port)) {
        const admin = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root' });
        await admin.query('CREATE DATABASE IF NOT EXISTS test');
        await admin.end();
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`private MariaDB on port ${port} did not start (data directory ${data})`);
  };
  await start();
  const kill = async (): Promise<void> => {
    child?.kill('SIGKILL');
    await exited;
  };
  return { port, crash: kill, restart: start, stop: kill };
}
