import type { ReceivedMessage } from '../message.js';
import type { SqlExecutor, SqlOffsetStorage } from './sql-offset-storage.js';

/** An open database transaction. */
export interface SqlTransaction {
  executor: SqlExecutor;
  commit(): Promise<void>;
  rollback(): Promise<void>;
}

/** Opens transactions on the user's pool. */
export type BeginTransaction = () => Promise<SqlTransaction>;

/**
 * A listener that runs the user's SQL and saves the consumer's offset in one database
 * transaction, so each message's effect happens exactly once even if the consumer crashes
 * between processing and committing. Use it with a consumer whose `offsetStorage` is the same
 * SqlOffsetStorage and whose `autoCommit` is false.
 */
export function transactionalListener(
  storage: SqlOffsetStorage,
  begin: BeginTransaction,
  group: string,
  handler: (message: ReceivedMessage, sql: SqlExecutor) => Promise<void>,
): (message: ReceivedMessage) => Promise<void> {
  return async (message) => {
    const transaction = await begin();
    try {
      await handler(message, transaction.executor);
      await storage.commitWith(transaction.executor, group, [
        { topic: message.topic, partition: message.partition, offset: message.nextOffset, msgId: message.id },
      ]);
      await transaction.commit();
    } catch (error) {
      await transaction.rollback().catch(() => undefined); // the original error is the one to report
      throw error;
    }
  };
}

interface MysqlConnectionLike {
  query(sql: string, params?: unknown[]): Promise<[unknown, unknown]>;
  beginTransaction(): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  release(): void;
}

/** Transactions on a mysql2/promise pool. */
export function mysqlTransactions(pool: { getConnection(): Promise<MysqlConnectionLike> }): BeginTransaction {
  return async () => {
    const connection = await pool.getConnection();
    await connection.beginTransaction();
    const finish = async (end: () => Promise<void>) => {
      try {
        await end();
      } finally {
        connection.release();
      }
    };
    return {
      executor: { query: async (sql, params) => ((await connection.query(sql, params))[0] as Array<Record<string, unknown>>) ?? [] },
      commit: () => finish(() => connection.commit()),
      rollback: () => finish(() => connection.rollback()),
    };
  };
}

interface PgClientLike {
  query(sql: string, params?: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }>;
  release(): void;
}

/** Transactions on a pg Pool. */
export function postgresTransactions(pool: { connect(): Promise<PgClientLike> }): BeginTransaction {
  return async () => {
    const client = await pool.connect();
    await client.query('BEGIN');
    const finish = async (statement: string) => {
      try {
        await client.query(statement);
      } finally {
        client.release();
      }
    };
    return {
      executor: { query: async (sql, params) => (await client.query(sql, params)).rows },
      commit: () => finish('COMMIT'),
      rollback: () => finish('ROLLBACK'),
    };
  };
}
