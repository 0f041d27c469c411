import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { postgresExecutor } from '../../src/client/index.js';
import { ChangeApplier, mysqlApplyDialect, postgresApplyDialect } from '../../src/integrations/binlog/change-applier.js';
import type { RowChange } from '../../src/integrations/binlog/row-change.js';
import { decodeValue, encodeRow, parseRowChange, partitionKey } from '../../src/integrations/binlog/row-change.js';
import { parseTables } from '../../src/cli/binlog-commands.js';

function change(type: RowChange['type'], key: Record<string, number>, row: RowChange['row']): RowChange {
  return { v: 1, type, schema: 'shop', table: 'items', key, row, binlog: 'binlog.000001:4', ts: 0 };
}

describe('binlog row changes: encoding and parsing', () => {
  it('carries binary, big and temporal values through JSON exactly', () => {
    const row = encodeRow({ id: 1, tag: Buffer.from([0, 255, 7]), big: 2n ** 63n - 1n, at: '2026-12-03 10:00:00.123', none: null });
    const back = JSON.parse(JSON.stringify(row)) as RowChange['row'];
    assert.deepEqual(decodeValue(back.tag!), Buffer.from([0, 255, 7]));
    assert.equal(back.big, '9223372036854775807');
    assert.equal(back.at, '2026-12-03 10:00:00.123');
    assert.equal(back.none, null);
  });

  it('keys a change by table and primary key, so one row always lands on one partition', () => {
    assert.equal(partitionKey(change('update', { id: 7 }, {})), partitionKey(change('delete', { id: 7 }, { id: 7, x: 1 })));
    assert.notEqual(partitionKey(change('update', { id: 7 }, {})), partitionKey({ schema: 'shop', table: 'other', key: { id: 7 } }));
  });

  it('refuses a payload that is not a row change, saying what one needs', () => {
    assert.throws(() => parseRowChange(Buffer.from('hello')), /invalid JSON/);
    assert.throws(() => parseRowChange(Buffer.from('{"v":1,"type":"merge","schema":"a","table":"b","key":{"id":1},"row":{}}')), /type insert\|update\|delete/);
    assert.throws(() => parseRowChange(Buffer.from('{"v":1,"type":"delete","schema":"a","table":"b","key":{},"row":{}}')), /non-empty key/);
    assert.equal(parseRowChange(Buffer.from(JSON.stringify(change('insert', { id: 1 }, { id: 1 })))).table, 'items');
  });

  it('reads --tables as ZongJi schema filters and refuses other shapes', () => {
    assert.deepEqual(parseTables(['shop.items', 'shop.orders', 'audit.*']), { shop: ['items', 'orders'], audit: true });
    assert.equal(parseTables([]), undefined);
    assert.throws(() => parseTables(['items']), /db\.table or db\.\*/);
  });

  it('quotes identifiers for each dialect, so odd column names cannot break the SQL', () => {
    assert.equal(mysqlApplyDialect.quote('we`ird'), '`we``ird`');
    assert.equal(postgresApplyDialect.quote('we"ird'), '"we""ird"');
  });
});

describe('binlog-apply into PostgreSQL: whole-row changes are idempotent', () => {
  const pool = new pg.Pool({ host: '127.0.0.1', user: 'postgres', database: 'postgres', max: 1 });
  const table = `binlog_items_${process.pid}`;
  const applier = new ChangeApplier(postgresApplyDialect, () => table);
  const sql = postgresExecutor(pool);

  before(async () => {
    await pool.query(`DROP TABLE IF EXISTS ${table}`);
    await pool.query(`CREATE TABLE ${table} (shop INT, id INT, name TEXT, tag BYTEA, PRIMARY KEY (shop, id))`);
  });
  after(async () => {
    await pool.query(`DROP TABLE IF EXISTS ${table}`);
    await pool.end();
  });

  it('ends in the source state when a run of changes is applied again from an earlier point', async () => {
    const run = [
      { ...change('insert', { shop: 1, id: 1 }, { shop: 1, id: 1, name: 'a', tag: { $binary: Buffer.from('x').toString('base64') } }), key: { shop: 1, id: 1 } },
      { ...change('insert', { shop: 1, id: 2 }, { shop: 1, id: 2, name: 'b', tag: null }), key: { shop: 1, id: 2 } },
      { ...change('update', { shop: 1, id: 1 }, { shop: 1, id: 1, name: 'a2', tag: null }), key: { shop: 1, id: 1 } },
      { ...change('delete', { shop: 1, id: 2 }, { shop: 1, id: 2, name: 'b', tag: null }), key: { shop: 1, id: 2 } },
    ];
    for (const c of run) await applier.apply(sql, c);
    // A crash replays from the second change: the state must come out the same.
    for (const c of run.slice(1)) await applier.apply(sql, c);
    for (const c of run) await applier.apply(sql, c);
    const { rows } = await pool.query(`SELECT shop, id, name, tag FROM ${table} ORDER BY id`);
    assert.deepEqual(rows, [{ shop: 1, id: 1, name: 'a2', tag: null }]);
  });
});
