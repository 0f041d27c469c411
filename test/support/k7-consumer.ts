// Test child for K7: consumes a topic with a side effect per message until killed or SIGTERMed.
import { appendFileSync } from 'node:fs';
import { setImmediate as setImmediatePromise, setTimeout as setTimeoutPromise } from 'node:timers/promises';
import mysql from 'mysql2/promise';
import pg from 'pg';
import type { OffsetStorage, SqlExecutor } from '../../src/client/index.js';
import {
  FileOffsetStorage,
  MetaqClient,
  mysqlDialect,
  mysqlExecutor,
  mysqlTransactions,
  postgresDialect,
  postgresExecutor,
  postgresTransactions,
  SqlOffsetStorage,
  transactionalListener,
} from '../../src/client/index.js';
import type { K7Settings } from './k7-settings.js';

const settings = JSON.parse(process.argv[2]!) as K7Settings;
const mysqlPool = settings.storage === 'mariadb' ? mysql.createPool({ host: '127.0.0.1', user: 'root', database: 'test', connectionLimit: 2 }) : undefined;
const pgPool = settings.storage === 'postgres' ? new pg.Pool({ host: '127.0.0.1', user: 'postgres', database: 'postgres', max: 2 }) : undefined;
const sql: SqlOffsetStorage | undefined = mysqlPool
  ? new SqlOffsetStorage(mysqlExecutor(mysqlPool), mysqlDialect, settings.offsetsTable)
  : pgPool
    ? new SqlOffsetStorage(postgresExecutor(pgPool), postgresDialect, settings.offsetsTable)
    : undefined;
const storage: OffsetStorage = sql ?? new FileOffsetStorage(settings.offsetsFile);

const client = new MetaqClient({ serverUrl: `meta://127.0.0.1:${settings.port}` });
const transactional = settings.mode === 'transactional';
const consumer = client
  .consumer({ group: settings.group, offsetStorage: storage, autoCommit: !transactional, commitIntervalMs: 100, maxDelayFetchMs: 50 })
  .subscribe(settings.topic, { maxSize: 8192 });

const insert = (executor: SqlExecutor, payload: string, offset: number) =>
  executor.query(
    mysqlPool ? `INSERT INTO ${settings.effectsTable} (payload, off) VALUES (?, ?)` : `INSERT INTO ${settings.effectsTable} (payload, off) VALUES ($1, $2)`,
    [payload, offset],
  );

if (transactional) {
  const begin = mysqlPool ? mysqlTransactions(mysqlPool) : postgresTransactions(pgPool!);
  await consumer.run(
    transactionalListener(sql!, begin, settings.group, (message, executor) => insert(executor, message.data.toString(), message.offset).then(() => undefined)),
  );
} else {
  await consumer.run(async (message) => {
    appendFileSync(settings.effectsFile, `${message.data.toString()}\t${message.offset}\n`);
    await setImmediatePromise(); // the rest of the "work": yields so commits and the kill interleave with processing
    await setTimeoutPromise(1);
  });
}
process.stdout.write('consuming\n');
process.once('SIGTERM', () => {
  void client.close().then(async () => {
    await mysqlPool?.end();
    await pgPool?.end();
    process.exit(0);
  });
});
