import type { Partition } from '../message.js';
import { partitionName } from '../message.js';
import type { OffsetInfo, OffsetStorage, StoredOffset } from './offset-storage.js';

/** The part of a SQL driver the storage needs: a query with positional parameters. */
export interface SqlExecutor {
  query(sql: string, params: unknown[]): Promise<Array<Record<string, unknown>>>;
}

/** The SQL dialect: MetaQ's table with the original's bugs fixed (docs/client.md). */
export interface SqlDialect {
  createTable(table: string): string;
  select(table: string): string;
  /** Every partition's row of one topic and group (`metaq offsets`). */
  selectGroup(table: string): string;
  /** Insert a row if absent; keep an existing one (initOffset). */
  insertIfAbsent(table: string): string;
  /** Insert or replace the offset and id (commit). */
  upsert(table: string): string;
}

const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * MetaQ's `meta_topic_partition_group_offset` table, one row per (topic, partition, group), with
 * the original's bugs fixed: BIGINT offset and msg_id (ids are 64-bit), a unique key and upserts
 * so new groups are saved, `partition` and `offset` quoted (reserved words). `partition` holds MetaQ's
 * "brokerId-index" string, so a Java consumer can read the same rows.
 */
export class SqlOffsetStorage implements OffsetStorage {
  private ready: Promise<void> | undefined;

  constructor(
    private readonly executor: SqlExecutor,
    private readonly dialect: SqlDialect,
    readonly table = 'meta_topic_partition_group_offset',
    private readonly createTable = true,
  ) {
    if (!TABLE_NAME.test(table)) throw new Error(`table name ${JSON.stringify(table)} must be a plain SQL identifier`);
  }

  /** Create the table if it is missing (once); call before opening a transaction that uses it. */
  ensureTable(): Promise<void> {
    this.ready ??= this.createTable ? this.executor.query(this.dialect.createTable(this.table), []).then(() => undefined) : Promise.resolve();
    return this.ready;
  }

  async load(topic: string, group: string, partition: Partition): Promise<StoredOffset | undefined> {
    await this.ensureTable();
    const rows = await this.executor.query(this.dialect.select(this.table), [topic, partitionName(partition), group]);
    const row = rows[0];
    if (row === undefined) return undefined;
    return { offset: Number(row.offset), msgId: BigInt(String(row.msg_id)) };
  }

  /**
   * The stored offset read inside an open transaction and locked until it ends (`FOR UPDATE`), so
   * a consumer can apply only what lies beyond it and commit, while a former owner of the
   * partition waits and then sees that it moved on.
   */
  async lockWith(executor: SqlExecutor, topic: string, group: string, partition: Partition): Promise<StoredOffset | undefined> {
    // No ensureTable here: it needs a connection of its own, and DDL would end the transaction.
    const rows = await executor.query(`${this.dialect.select(this.table)} FOR UPDATE`, [topic, partitionName(partition), group]);
    const row = rows[0];
    return row === undefined ? undefined : { offset: Number(row.offset), msgId: BigInt(String(row.msg_id)) };
  }

  /** A group's stored offsets of a topic, by MetaQ's "brokerId-index" partition name. */
  async list(topic: string, group: string): Promise<Array<{ partition: string } & StoredOffset>> {
    await this.ensureTable();
    const rows = await this.executor.query(this.dialect.selectGroup(this.table), [topic, group]);
    const byNumber = (name: string) => name.split('-').map(Number);
    return rows
      .map((row) => ({ partition: String(row.partition), offset: Number(row.offset), msgId: BigInt(String(row.msg_id)) }))
      .sort((a, b) => {
        const [x, y] = [byNumber(a.partition), byNumber(b.partition)];
        return (x[0] ?? 0) - (y[0] ?? 0) || (x[1] ?? 0) - (y[1] ?? 0);
      });
  }

  async initOffset(topic: string, group: string, partition: Partition, offset: number): Promise<void> {
    await this.ensureTable();
    await this.executor.query(this.dialect.insertIfAbsent(this.table), [topic, partitionName(partition), group, offset, '-1']);
  }

  commit(group: string, infos: readonly OffsetInfo[]): Promise<void> {
    return this.commitWith(this.executor, group, infos);
  }

  /** Commit through another executor, such as an open transaction (transactional consume). */
  async commitWith(executor: SqlExecutor, group: string, infos: readonly OffsetInfo[]): Promise<void> {
    await this.ensureTable();
    for (const info of infos) {
      await executor.query(this.dialect.upsert(this.table), [info.topic, partitionName(info.partition), group, info.offset, info.msgId.toString()]);
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

export const mysqlDialect: SqlDialect = {
  createTable: (t) =>
    `CREATE TABLE IF NOT EXISTS ${t} (id BIGINT AUTO_INCREMENT PRIMARY KEY, topic VARCHAR(255) NOT NULL, \`partition\` VARCHAR(255) NOT NULL, group_id VARCHAR(255) NOT NULL, \`offset\` BIGINT NOT NULL, msg_id BIGINT NOT NULL, UNIQUE KEY TOPIC_PART_GRP_IDX (topic, \`partition\`, group_id)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
  select: (t) => `SELECT \`offset\`, CAST(msg_id AS CHAR) AS msg_id FROM ${t} WHERE topic = ? AND \`partition\` = ? AND group_id = ?`,
  selectGroup: (t) => `SELECT \`partition\`, \`offset\`, CAST(msg_id AS CHAR) AS msg_id FROM ${t} WHERE topic = ? AND group_id = ?`,
  insertIfAbsent: (t) => `INSERT IGNORE INTO ${t} (topic, \`partition\`, group_id, \`offset\`, msg_id) VALUES (?, ?, ?, ?, ?)`,
  upsert: (t) =>
    `INSERT INTO ${t} (topic, \`partition\`, group_id, \`offset\`, msg_id) VALUES (?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE \`offset\` = VALUES(\`offset\`), msg_id = VALUES(msg_id)`,
};

export const postgresDialect: SqlDialect = {
  createTable: (t) =>
    `CREATE TABLE IF NOT EXISTS ${t} (id BIGSERIAL PRIMARY KEY, topic VARCHAR(255) NOT NULL, "partition" VARCHAR(255) NOT NULL, group_id VARCHAR(255) NOT NULL, "offset" BIGINT NOT NULL, msg_id BIGINT NOT NULL, UNIQUE (topic, "partition", group_id))`,
  select: (t) => `SELECT "offset" AS offset, msg_id FROM ${t} WHERE topic = $1 AND "partition" = $2 AND group_id = $3`,
  selectGroup: (t) => `SELECT "partition" AS partition, "offset" AS offset, msg_id FROM ${t} WHERE topic = $1 AND group_id = $2`,
  insertIfAbsent: (t) =>
    `INSERT INTO ${t} (topic, "partition", group_id, "offset", msg_id) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (topic, "partition", group_id) DO NOTHING`,
  upsert: (t) =>
    `INSERT INTO ${t} (topic, "partition", group_id, "offset", msg_id) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (topic, "partition", group_id) DO UPDATE SET "offset" = EXCLUDED."offset", msg_id = EXCLUDED.msg_id`,
};

/** Adapt a mysql2/promise pool or connection (anything with `query(sql, params) → [rows]`). */
export function mysqlExecutor(pool: { query(sql: string, params: unknown[]): Promise<[unknown, unknown]> }): SqlExecutor {
  return { query: async (sql, params) => ((await pool.query(sql, params))[0] as Array<Record<string, unknown>>) ?? [] };
}

/** Adapt a pg Pool or Client (anything with `query(sql, params) → { rows }`). */
export function postgresExecutor(pool: { query(sql: string, params: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }> }): SqlExecutor {
  return { query: async (sql, params) => (await pool.query(sql, params)).rows };
}
