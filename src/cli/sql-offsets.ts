import { mysqlDialect, mysqlExecutor, postgresDialect, postgresExecutor, SqlOffsetStorage } from '../client/index.js';
import { MetaqError } from '../common/errors.js';
import { writeJson } from './json-output.js';

/** A driver the user installs beside metaq (optional peer dependencies): a clear error if absent. */
async function load<T>(name: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (error) {
    throw new MetaqError(
      'USAGE',
      `reading offsets from this database needs the ${name.split('/')[0]} package: npm install ${name.split('/')[0]} (${(error as Error).message})`,
    );
  }
}

interface MysqlModule {
  createConnection(uri: string): Promise<{ query(sql: string, params: unknown[]): Promise<[unknown, unknown]>; end(): Promise<void> }>;
}

interface PgModule {
  default: {
    Client: new (options: { connectionString: string }) => {
      connect(): Promise<void>;
      query(sql: string, params: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }>;
      end(): Promise<void>;
    };
  };
}

/**
 * `metaq offsets --db URL`: a group's offsets as a consumer with SqlOffsetStorage keeps them
 * (MetaQ's `showoffset … type=mysql`), from MySQL/MariaDB (`mysql://`) or PostgreSQL (`postgres://`);
 * with `json`, one array of `{partition, offset, msgId}`.
 */
export async function showSqlOffsets(url: string, table: string, group: string, topic: string, out: NodeJS.WritableStream, json = false): Promise<void> {
  const scheme = url.slice(0, url.indexOf(':'));
  let storage: SqlOffsetStorage;
  let end: () => Promise<void>;
  if (scheme === 'mysql') {
    const connection = await (await load<MysqlModule>('mysql2/promise')).createConnection(url);
    storage = new SqlOffsetStorage(mysqlExecutor(connection), mysqlDialect, table, false);
    end = () => connection.end();
  } else if (scheme === 'postgres' || scheme === 'postgresql') {
    const client = new (await load<PgModule>('pg')).default.Client({ connectionString: url });
    await client.connect();
    storage = new SqlOffsetStorage(postgresExecutor(client), postgresDialect, table, false);
    end = () => client.end();
  } else throw new MetaqError('USAGE', `--db must be a mysql:// or postgres:// URL, got ${JSON.stringify(url)}`);
  try {
    const rows = await storage.list(topic, group).catch((error: unknown) => {
      throw new Error(`could not read table ${table} (${(error as Error).message}); is --table the one the consumers write?`, { cause: error });
    });
    if (json)
      return writeJson(
        out,
        rows.map((row) => ({ partition: row.partition, offset: row.offset, msgId: String(row.msgId) })),
      );
    if (rows.length === 0) out.write(`group ${group} has no offsets for ${topic} in ${table}\n`);
    for (const row of rows) out.write(`${row.partition}\toffset ${row.offset}\tmsgId ${row.msgId}\n`);
  } finally {
    await end();
  }
}
