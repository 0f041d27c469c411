import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { postgresDialect, postgresExecutor, postgresTransactions, SqlOffsetStorage } from '../../src/client/index.js';
import type { ReceivedMessage } from '../../src/client/index.js';
import { BatchApplier } from '../../src/integrations/binlog/batch-applier.js';
import { silentLogger } from '../support/storage-harness.js';
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
      {
        ...change('insert', { shop: 1, id: 1 }, { shop: 1, id: 1, name: 'a', tag: { $binary: Buffer.from('x').toString('base64') } }),
        key: { shop: 1, id: 1 },
      },
      { ...change('insert', { shop: 1, id: 2 }, { shop: 1, id: 2, name: 'b', tag: null }), key: { shop: 1, id: 2 } },
      { ...change('update', { shop: 1, id: 1 }, { shop: 1, id: 1, name: 'a2', tag: null }), key: { shop: 1, id: 1 } },
      { ...change('delete', { shop: 1, id: 2 }, { shop: 1, id: 2, name: 'b', tag: null }), key: { shop: 1, id: 2 } },
    ];
    await applier.apply(sql, run);
    // A crash replays from the second change, in another batching: the state must come out the same.
    for (const c of run.slice(1)) await applier.apply(sql, [c]);
    await applier.apply(sql, [...run, ...run.slice(2)]);
    const { rows } = await pool.query(`SELECT shop, id, name, tag FROM ${table} ORDER BY id`);
    assert.deepEqual(rows, [{ shop: 1, id: 1, name: 'a2', tag: null }]);
  });
});

describe('binlog-apply batches: the stored offset decides what is applied', () => {
  const pool = new pg.Pool({ host: '127.0.0.1', user: 'postgres', database: 'postgres', max: 2 });
  const table = `binlog_fenced_${process.pid}`;
  const offsets = `binlog_offsets_${process.pid}`;
  const storage = new SqlOffsetStorage(postgresExecutor(pool), postgresDialect, offsets);
  const partition = { brokerId: 0, index: 0 };
  const message = (offset: number, c: RowChange): ReceivedMessage => ({
    topic: 'rows',
    partition,
    offset,
    nextOffset: offset + 50,
    id: BigInt(offset),
    data: Buffer.from(JSON.stringify(c)),
    attribute: undefined,
    flag: 0,
  });
  const row = (id: number, name: string) => change('insert', { id }, { id, name });

  before(async () => {
    await pool.query(`DROP TABLE IF EXISTS ${table}; DROP TABLE IF EXISTS ${offsets}`);
    await pool.query(`CREATE TABLE ${table} (id INT PRIMARY KEY, name TEXT)`);
  });
  after(async () => {
    await pool.query(`DROP TABLE IF EXISTS ${table}; DROP TABLE IF EXISTS ${offsets}`);
    await pool.end();
  });

  it("applies only messages at or beyond the stored offset, so a former owner's late batch changes nothing", async () => {
    const applier = new BatchApplier(new ChangeApplier(postgresApplyDialect, () => table), storage, postgresTransactions(pool), 'g', silentLogger, {
      maxBatch: 2,
    });
    await storage.commit('g', [{ topic: 'rows', partition, offset: 100, msgId: 1n }]);
    for (const m of [message(0, row(1, 'first')), message(50, row(1, 'second')), message(100, row(2, 'two')), message(150, row(1, 'third'))])
      await applier.listener(m);
    await applier.close();
    const state = async () => (await pool.query(`SELECT id, name FROM ${table} ORDER BY id`)).rows as unknown[];
    assert.deepEqual(await state(), [
      { id: 1, name: 'third' },
      { id: 2, name: 'two' },
    ]);
    assert.equal((await storage.load('rows', 'g', partition))?.offset, 200);

    await applier.listener(message(50, row(1, 'stale')));
    await applier.listener(message(100, row(2, 'stale')));
    await applier.close();
    assert.deepEqual(
      await state(),
      [
        { id: 1, name: 'third' },
        { id: 2, name: 'two' },
      ],
      'a batch from before the stored offset is skipped',
    );
    assert.equal((await storage.load('rows', 'g', partition))?.offset, 200);
    assert.equal(applier.applied, 2);
  });
});
