import type { SqlExecutor } from '../../client/index.js';
import type { RowChange } from './row-change.js';
import { decodeValue, partitionKey } from './row-change.js';

/** How one target database spells identifiers, placeholders and an upsert. */
export interface ApplyDialect {
  quote(identifier: string): string;
  placeholder(index: number): string;
  /** `INSERT … (columns) VALUES (…)` made into an upsert on the key columns. */
  upsertTail(columns: readonly string[], keyColumns: readonly string[]): string;
}

export const mysqlApplyDialect: ApplyDialect = {
  quote: (identifier) => `\`${identifier.replaceAll('`', '``')}\``,
  placeholder: () => '?',
  upsertTail: (columns) => ` ON DUPLICATE KEY UPDATE ${columns.map((c) => `${mysqlApplyDialect.quote(c)} = VALUES(${mysqlApplyDialect.quote(c)})`).join(', ')}`,
};

export const postgresApplyDialect: ApplyDialect = {
  quote: (identifier) => `"${identifier.replaceAll('"', '""')}"`,
  placeholder: (index) => `$${index + 1}`,
  upsertTail: (columns, keyColumns) => {
    const rest = columns.filter((c) => !keyColumns.includes(c));
    const target = keyColumns.map((c) => postgresApplyDialect.quote(c)).join(', ');
    return rest.length === 0
      ? ` ON CONFLICT (${target}) DO NOTHING`
      : ` ON CONFLICT (${target}) DO UPDATE SET ${rest.map((c) => `${postgresApplyDialect.quote(c)} = EXCLUDED.${postgresApplyDialect.quote(c)}`).join(', ')}`;
  },
};

/** Rows per statement, well under both databases' 65,535 placeholders for wide tables. */
const ROWS_PER_STATEMENT = 200;

/**
 * Writes row changes into a target database. Every change is applied as the row's whole image
 * (an upsert, or a delete by key), so applying a change twice, or a run of changes again from an
 * earlier point, leaves the row as the last change says: replays after a crash converge. For the
 * same reason only a row's last change in a batch matters, so a batch becomes a few multi-row
 * statements per table: deletes first, then upserts.
 */
export class ChangeApplier {
  constructor(
    private readonly dialect: ApplyDialect,
    /** The target table for a source `schema.table`; default the same table name. */
    private readonly tableFor: (change: RowChange) => string = (change) => change.table,
  ) {}

  async apply(sql: SqlExecutor, changes: readonly RowChange[]): Promise<void> {
    const last = new Map<string, RowChange>();
    for (const change of changes) last.set(partitionKey(change), change);
    const deletes = new Map<string, RowChange[]>();
    const upserts = new Map<string, RowChange[]>();
    for (const change of last.values()) {
      const table = this.tableFor(change);
      const group = change.type === 'delete' ? deletes : upserts;
      const columns = change.type === 'delete' ? Object.keys(change.key) : Object.keys(change.row);
      const name = JSON.stringify([table, columns, Object.keys(change.key)]);
      group.set(name, [...(group.get(name) ?? []), change]);
    }
    for (const group of deletes.values()) for (const chunk of chunks(group)) await this.delete(sql, chunk);
    for (const group of upserts.values()) for (const chunk of chunks(group)) await this.upsert(sql, chunk);
  }

  /** `DELETE … WHERE (k1, k2) IN ((?, ?), …)` for changes of one table and key. */
  private async delete(sql: SqlExecutor, changes: readonly RowChange[]): Promise<void> {
    const { dialect } = this;
    const keyColumns = Object.keys(changes[0]!.key);
    const values: unknown[] = [];
    const tuples = changes.map((change) => `(${keyColumns.map((c) => dialect.placeholder(values.push(decodeValue(change.key[c]!)) - 1)).join(', ')})`);
    await sql.query(
      `DELETE FROM ${dialect.quote(this.tableFor(changes[0]!))} WHERE (${keyColumns.map((c) => dialect.quote(c)).join(', ')}) IN (${tuples.join(', ')})`,
      values,
    );
  }

  /** One multi-row upsert for changes of one table with the same columns. */
  private async upsert(sql: SqlExecutor, changes: readonly RowChange[]): Promise<void> {
    const { dialect } = this;
    const columns = Object.keys(changes[0]!.row);
    const values: unknown[] = [];
    const tuples = changes.map((change) => `(${columns.map((c) => dialect.placeholder(values.push(decodeValue(change.row[c]!)) - 1)).join(', ')})`);
    const list = columns.map((c) => dialect.quote(c)).join(', ');
    await sql.query(
      `INSERT INTO ${dialect.quote(this.tableFor(changes[0]!))} (${list}) VALUES ${tuples.join(', ')}${dialect.upsertTail(columns, Object.keys(changes[0]!.key))}`,
      values,
    );
  }
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += ROWS_PER_STATEMENT) out.push(items.slice(start, start + ROWS_PER_STATEMENT));
  return out;
}
