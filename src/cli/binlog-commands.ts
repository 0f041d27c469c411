import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { crc32 } from 'node:zlib';
import pino from 'pino';
import type { Logger } from 'pino';
import type ZongJi from '@vlasky/zongji';
import type { ClientOptions, BeginTransaction } from '../client/index.js';
import {
  keySelector,
  MetaqClient,
  mysqlDialect,
  mysqlExecutor,
  mysqlTransactions,
  postgresDialect,
  postgresExecutor,
  postgresTransactions,
  SqlOffsetStorage,
} from '../client/index.js';
import { NodeFileIO } from '../broker/index.js';
import { MetaqError } from '../common/errors.js';
import { BinlogCheckpoint } from '../integrations/binlog/binlog-checkpoint.js';
import { BinlogPublisher } from '../integrations/binlog/binlog-publisher.js';
import type { BinlogOptions } from '../integrations/binlog/binlog-publisher.js';
import { ChangeApplier, mysqlApplyDialect, postgresApplyDialect } from '../integrations/binlog/change-applier.js';
import { BatchApplier } from '../integrations/binlog/batch-applier.js';
import { SourceDatabase } from '../integrations/binlog/source-database.js';

/** A package the user installs beside metaq for this command (optional peer dependency). */
async function load<T>(name: string, purpose: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (error) {
    const pkg = name.startsWith('@') ? name.split('/').slice(0, 2).join('/') : name.split('/')[0]!;
    throw new MetaqError('USAGE', `${purpose} needs the ${pkg} package: npm install ${pkg} (${(error as Error).message})`);
  }
}

function logger(): Logger {
  return pino({ level: process.env.METAQ_LOG_LEVEL ?? 'info' }, pino.destination(2));
}

/** Where the checkpoint goes when `--checkpoint` is not given. */
export function defaultBinlogCheckpoint(topic: string): string {
  return join(homedir(), '.metaq-binlog', `${topic}.checkpoint.json`);
}

/** A replica server id that stays the same across restarts of the same reader. */
export function defaultServerId(checkpointPath: string): number {
  return 100_000 + (crc32(checkpointPath) % 1_000_000_000);
}

/** `db.table` and `db.*` arguments as ZongJi's includeSchema. */
export function parseTables(names: readonly string[]): Record<string, string[] | true> | undefined {
  if (names.length === 0) return undefined;
  const tables: Record<string, string[] | true> = {};
  for (const name of names) {
    const match = /^([^.]+)\.([^.]+)$/.exec(name);
    if (match === null) throw new MetaqError('USAGE', `--tables takes db.table or db.*, got ${JSON.stringify(name)}`);
    const [, schema, table] = match as unknown as [string, string, string];
    if (table === '*') tables[schema] = true;
    else if (tables[schema] !== true) tables[schema] = [...(tables[schema] ?? []), table];
  }
  return tables;
}

function checkMysqlUrl(url: string, option: string): void {
  if (!/^mysql:\/\//.test(url))
    throw new MetaqError('USAGE', `${option} must be a mysql:// URL (mysql://USER[:PASSWORD]@HOST[:PORT]/), got ${JSON.stringify(url)}`);
}

/** The source's identity in the checkpoint: host and port, never the password. */
function sourceName(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || '3306'}`;
}

interface Mysql2Promise {
  createConnection(options: { uri: string }): Promise<import('mysql2/promise').Connection>;
}

/** `metaq binlog`: publish the source's row changes until SIGINT or SIGTERM. */
export async function binlog(
  client: ClientOptions,
  sourceUrl: string,
  checkpointPath: string,
  options: BinlogOptions,
  signal: AbortSignal,
  progress: NodeJS.WriteStream | undefined,
): Promise<void> {
  checkMysqlUrl(sourceUrl, '--source');
  const { default: ZongJiClass } = await load<{ default: typeof ZongJi }>('@vlasky/zongji', 'metaq binlog');
  const mysql = await load<Mysql2Promise>('mysql2/promise', 'metaq binlog');
  const io = new NodeFileIO();
  await io.mkdirp(dirname(checkpointPath));
  const checkpoint = await BinlogCheckpoint.open(io, checkpointPath, sourceName(sourceUrl));
  const source = new SourceDatabase(await mysql.createConnection({ uri: sourceUrl }));
  const metaq = new MetaqClient(client);
  // Values as text where JavaScript would round them, so the copy gets exactly what the source has.
  const openStream = () => new ZongJiClass({ uri: sourceUrl, dateStrings: true, jsonStrings: true, supportBigNumbers: true, bigNumberStrings: true });
  try {
    const publisher = new BinlogPublisher(source, openStream, metaq.producer({ selector: keySelector(), failover: false }), checkpoint, options, logger());
    let lastReport = 0;
    await publisher.run(signal, (p) => {
      if (!progress?.isTTY || performance.now() - lastReport < 500) return;
      lastReport = performance.now();
      progress.write(`\r${p.published} row changes published, checkpoint ${p.position}  `);
    });
    if (progress?.isTTY) progress.write('\n');
  } finally {
    await metaq.close();
    await source.close();
  }
}

interface Target {
  begin: BeginTransaction;
  storage: SqlOffsetStorage;
  applier: ChangeApplier;
  end(): Promise<void>;
}

interface PgModule {
  default: {
    Pool: new (options: { connectionString: string; max: number }) => {
      query(sql: string, params?: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }>;
      connect(): Promise<{ query(sql: string, params?: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }>; release(): void }>;
      end(): Promise<void>;
    };
  };
}

interface Mysql2PoolModule {
  createPool(options: { uri: string; connectionLimit: number }): import('mysql2/promise').Pool;
}

async function openTarget(url: string, offsetsTable: string): Promise<Target> {
  const scheme = url.slice(0, url.indexOf(':'));
  if (scheme === 'mysql') {
    const pool = (await load<Mysql2PoolModule>('mysql2/promise', 'metaq binlog-apply')).createPool({ uri: url, connectionLimit: 4 });
    const executor = mysqlExecutor(pool);
    return {
      begin: mysqlTransactions(pool),
      storage: new SqlOffsetStorage(executor, mysqlDialect, offsetsTable),
      applier: new ChangeApplier(mysqlApplyDialect),
      end: () => pool.end(),
    };
  }
  if (scheme === 'postgres' || scheme === 'postgresql') {
    const pool = new (await load<PgModule>('pg', 'metaq binlog-apply')).default.Pool({ connectionString: url, max: 4 });
    const executor = postgresExecutor(pool);
    return {
      begin: postgresTransactions(pool),
      storage: new SqlOffsetStorage(executor, postgresDialect, offsetsTable),
      applier: new ChangeApplier(postgresApplyDialect),
      end: () => pool.end(),
    };
  }
  throw new MetaqError('USAGE', `--target must be a mysql:// or postgres:// URL, got ${JSON.stringify(url)}`);
}

export interface ApplyOptions {
  topic: string;
  group: string;
  offsetsTable: string;
  /** Changes of one partition per database transaction, at most. */
  maxBatch: number;
}

/**
 * `metaq binlog-apply`: write the row changes of a topic into a target database, a partition's
 * changes in batches, each batch and the group's offset in one database transaction, so a crash
 * neither loses nor repeats a change here; the publisher's replays are absorbed by whole-row
 * upserts.
 */
export async function binlogApply(
  client: ClientOptions,
  targetUrl: string,
  options: ApplyOptions,
  signal: AbortSignal,
  progress: NodeJS.WriteStream | undefined,
): Promise<void> {
  const target = await openTarget(targetUrl, options.offsetsTable);
  const log = logger();
  const metaq = new MetaqClient(client);
  const applier = new BatchApplier(target.applier, target.storage, target.begin, options.group, log, { maxBatch: options.maxBatch });
  const timer = progress?.isTTY ? setInterval(() => progress.write(`\r${applier.applied} row changes applied  `), 500) : undefined;
  try {
    const consumer = metaq
      .consumer({ group: options.group, offsetStorage: target.storage, autoCommit: false, startFrom: 0, logger: log })
      .subscribe(options.topic);
    await consumer.run(applier.listener);
    log.info({ topic: options.topic, group: options.group }, 'applying row changes');
    await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
    await consumer.close();
    await applier.close();
    if (timer !== undefined) progress?.write('\n');
  } finally {
    clearInterval(timer);
    await metaq.close();
    await target.end();
  }
}
