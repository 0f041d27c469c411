import type { Connection } from 'mysql2/promise';
import type { BinlogPosition } from './binlog-checkpoint.js';

/**
 * What the binlog reader asks the source server over an ordinary connection: whether it logs
 * rows, where its binlog starts and ends, and each table's primary key.
 */
export class SourceDatabase {
  private readonly primaryKeys = new Map<string, Promise<string[]>>();

  constructor(private readonly connection: Connection) {}

  /** Refuse a server whose binlog would not carry every row change. */
  async checkLogsRows(): Promise<void> {
    const [rows] = await this.connection.query('SELECT @@log_bin AS logBin, @@binlog_format AS format');
    const { logBin, format } = (rows as Array<{ logBin: number | string; format: string }>)[0]!;
    if (Number(logBin) !== 1) throw new Error('the source does not write a binlog (log_bin is OFF): start it with --log-bin --binlog-format=ROW --server-id=N');
    if (String(format).toUpperCase() !== 'ROW') {
      throw new Error(
        `the source logs in ${format} format, so statements would reach the binlog instead of row changes: SET GLOBAL binlog_format = 'ROW' (and in its config file)`,
      );
    }
  }

  /** Where the binlog ends now: changes from here on are new. */
  async end(): Promise<BinlogPosition> {
    const [rows] = await this.connection.query('SHOW MASTER STATUS');
    const row = (rows as Array<{ File: string; Position: number }>)[0];
    if (row === undefined) throw new Error('SHOW MASTER STATUS returned nothing: is the binlog enabled on the source?');
    return { file: row.File, position: Number(row.Position) };
  }

  /** The oldest binlog the server still has. */
  async start(): Promise<BinlogPosition> {
    const [rows] = await this.connection.query('SHOW BINARY LOGS');
    const first = (rows as Array<{ Log_name: string }>)[0];
    if (first === undefined) throw new Error('SHOW BINARY LOGS returned nothing: is the binlog enabled on the source?');
    return { file: first.Log_name, position: 4 };
  }

  /** The primary key columns of a table, in key order; empty when it has none. Cached. */
  primaryKey(schema: string, table: string): Promise<string[]> {
    const name = `${schema}.${table}`;
    let columns = this.primaryKeys.get(name);
    if (columns === undefined) {
      columns = this.connection
        .query(
          "SELECT COLUMN_NAME AS name FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY ORDINAL_POSITION",
          [schema, table],
        )
        .then(([rows]) => (rows as Array<{ name: string }>).map((row) => row.name));
      columns.catch(() => this.primaryKeys.delete(name));
      this.primaryKeys.set(name, columns);
    }
    return columns;
  }

  async close(): Promise<void> {
    await this.connection.end();
  }
}
