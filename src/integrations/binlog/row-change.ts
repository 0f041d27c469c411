/** A column value as it travels in JSON: binary columns as base64, big integers as strings. */
export type ColumnValue = string | number | boolean | null | { $binary: string } | unknown[] | { [key: string]: unknown };

export type Row = Record<string, ColumnValue>;

/**
 * One row change, the payload of one message (JSON). An update that changes the primary key
 * travels as a delete of the old key and an insert of the new one, each on its own key's
 * partition, so every message names exactly one row.
 */
export interface RowChange {
  v: 1;
  type: 'insert' | 'update' | 'delete';
  schema: string;
  table: string;
  /** The primary key columns and values of the row. */
  key: Row;
  /** The whole row after the change (before it, for a delete). */
  row: Row;
  /** The row before an update. */
  before?: Row;
  /** MariaDB's `domain-server-sequence` of the source transaction, when known. */
  gtid?: string;
  /** `file:position` of the source transaction in the binlog. */
  binlog: string;
  /** When the source committed, ms since the epoch. */
  ts: number;
}

function encodeValue(value: unknown): ColumnValue {
  if (Buffer.isBuffer(value)) return { $binary: value.toString('base64') };
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (value === undefined) return null;
  return value as ColumnValue;
}

/** A row as the binlog reader decoded it, made JSON-safe. */
export function encodeRow(row: Record<string, unknown>): Row {
  const encoded: Row = {};
  for (const [column, value] of Object.entries(row)) encoded[column] = encodeValue(value);
  return encoded;
}

/** A JSON column value back into what a SQL driver takes: `{ $binary }` becomes a Buffer. */
export function decodeValue(value: ColumnValue): unknown {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && typeof (value as { $binary?: unknown }).$binary === 'string') {
    return Buffer.from((value as { $binary: string }).$binary, 'base64');
  }
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return value;
}

export function pickKey(row: Row, keyColumns: readonly string[]): Row {
  const key: Row = {};
  for (const column of keyColumns) key[column] = row[column] ?? null;
  return key;
}

/** What the producer partitions by: the same row always maps to the same partition. */
export function partitionKey(change: Pick<RowChange, 'schema' | 'table' | 'key'>): string {
  return `${change.schema}.${change.table}/${JSON.stringify(change.key)}`;
}

/** Parse and check a message payload; throws saying what is wrong. */
export function parseRowChange(data: Buffer): RowChange {
  let change: RowChange;
  try {
    change = JSON.parse(data.toString('utf8')) as RowChange;
  } catch (error) {
    throw new Error(`not a metaq binlog row change (invalid JSON: ${(error as Error).message})`, { cause: error });
  }
  const valid =
    change?.v === 1 &&
    ['insert', 'update', 'delete'].includes(change.type) &&
    typeof change.schema === 'string' &&
    typeof change.table === 'string' &&
    typeof change.key === 'object' &&
    change.key !== null &&
    Object.keys(change.key).length > 0 &&
    typeof change.row === 'object' &&
    change.row !== null;
  if (!valid) throw new Error('not a metaq binlog row change (needs v: 1, type insert|update|delete, schema, table, a non-empty key and row)');
  return change;
}
