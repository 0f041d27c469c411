import type { SqlExecutor } from '../../client/index.js';
import type { Row, RowChange } from './row-change.js';
import { decodeValue } from './row-change.js';

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
    return rest.length === 0 ? ` ON CONFLICT (${target}) DO NOTHING` : ` ON CONFLICT (${target}) DO UPDATE SET ${rest.map((c) => `${postgresApplyDialect.quote(c)} = EXCLUDED.${postgresApplyDialect.quote(c)}`).join(', ')}`;
  },
};

/**
 * Writes row changes into a target database. Every change is applied as the row's whole image
 * (an upsert, or a delete by key), so applying a change twice, or a run of changes again from an
 * earlier point, leaves the row as the last change says: replays after a crash converge.
 */
export class ChangeApplier {
  constructor(
    private readonly dialect: ApplyDialect,
    /** The target table for a source `schema.table`; default the same table name. */
    private readonly tableFor: (change: RowChange) => string = (change) => change.table,
  ) {}

  async apply(sql: SqlExecutor, change: RowChange): Promise<void> {
    const { dialect } = this;
    const table = dialect.quote(this.tableFor(change));
    if (change.type === 'delete') {
      const { where, values } = this.keyCondition(change.key);
      await sql.query(`DELETE FROM ${table} WHERE ${where}`, values);
      return;
    }
    const columns = Object.keys(change.row);
    const values = columns.map((c) => decodeValue(change.row[c]!));
    const list = columns.map((c) => dialect.quote(c)).join(', ');
    const marks = columns.map((_, i) => dialect.placeholder(i)).join(', ');
    await sql.query(`INSERT INTO ${table} (${list}) VALUES (${marks})${dialect.upsertTail(columns, Object.keys(change.key))}`, values);
  }

  private keyCondition(key: Row): { where: string; values: unknown[] } {
    const columns = Object.keys(key);
    return {
      where: columns.map((c, i) => `${this.dialect.quote(c)} = ${this.dialect.placeholder(i)}`).join(' AND '),
      values: columns.map((c) => decodeValue(key[c]!)),
    };
  }
}
