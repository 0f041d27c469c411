import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import mysql from 'mysql2/promise';
import pg from 'pg';
import type { Broker } from '../../src/broker/broker.js';
import { FileOffsetStorage, MetaqClient, mysqlDialect, mysqlExecutor, postgresDialect, postgresExecutor, SqlOffsetStorage } from '../../src/client/index.js';
import type { OffsetStorage } from '../../src/client/index.js';
import { startBroker } from '../support/in-process-broker.js';
import { tempDir } from '../support/broker-process.js';
import type { K7Settings } from '../support/k7-settings.js';

const CHILD = fileURLToPath(new URL('../support/k7-consumer.js', import.meta.url));
const MESSAGES = 1500;
const mysqlPool = mysql.createPool({ host: '127.0.0.1', user: 'root', database: 'test', connectionLimit: 2 });
const pgPool = new pg.Pool({ host: '127.0.0.1', user: 'postgres', database: 'postgres', max: 2 });
const suffix = `${process.pid}`;
const children = new Set<ChildProcess>();

function startConsumer(settings: K7Settings): Promise<ChildProcess> {
  const child = spawn(process.execPath, [CHILD, JSON.stringify(settings)], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('consuming') && resolve(child));
    child.once('exit', (code) => reject(new Error(`consumer exited with ${code}`)));
  });
}

function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill(signal);
  });
}

async function effects(settings: K7Settings): Promise<Array<{ payload: string; offset: number }>> {
  if (settings.mode === 'at-least-once') {
    if (!existsSync(settings.effectsFile)) return [];
    return readFileSync(settings.effectsFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [payload, offset] = line.split('\t');
        return { payload: payload!, offset: Number(offset) };
      });
  }
  const rows =
    settings.storage === 'mariadb'
      ? ((await mysqlPool.query(`SELECT payload, off FROM ${settings.effectsTable}`))[0] as Array<Record<string, unknown>>)
      : ((await pgPool.query(`SELECT payload, off FROM ${settings.effectsTable}`)).rows as Array<Record<string, unknown>>);
  return rows.map((row) => ({ payload: String(row.payload), offset: Number(row.off) }));
}

/** Poll (bounded) until `done` holds for the side effects seen so far. */
async function waitFor(settings: K7Settings, done: (seen: Array<{ payload: string; offset: number }>) => boolean): Promise<void> {
  for (let tries = 0; tries < 600; tries += 1) {
    if (done(await effects(settings))) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the consumer made no progress within 30 s');
}

function storageFor(settings: K7Settings): OffsetStorage {
  if (settings.storage === 'file') return new FileOffsetStorage(settings.offsetsFile);
  if (settings.storage === 'mariadb') return new SqlOffsetStorage(mysqlExecutor(mysqlPool), mysqlDialect, settings.offsetsTable);
  return new SqlOffsetStorage(postgresExecutor(pgPool), postgresDialect, settings.offsetsTable);
}

describe('K7 consumer killed between processing and offset commit', { timeout: 180_000 }, () => {
  let broker: Broker;
  let port: number;

  before(async () => {
    broker = await startBroker();
    port = broker.port;
    const client = new MetaqClient({ serverUrl: `meta://127.0.0.1:${port}` });
    const producer = client.producer();
    for (let start = 0; start < MESSAGES; start += 250) {
      await Promise.all(Array.from({ length: 250 }, (_, i) => producer.send({ topic: 'k7', data: `m${start + i}` })));
    }
    await client.close();
  });
  after(async () => {
    for (const child of children) child.kill('SIGKILL');
    for (const table of [`k7_offsets_${suffix}`, `k7_effects_${suffix}`]) {
      await mysqlPool.query(`DROP TABLE IF EXISTS ${table}`);
      await pgPool.query(`DROP TABLE IF EXISTS ${table}`);
    }
    await mysqlPool.end();
    await pgPool.end();
    await broker.stop();
  });

  const runs: Array<[K7Settings['storage'], K7Settings['mode']]> = [
    ['file', 'at-least-once'],
    ['mariadb', 'at-least-once'],
    ['postgres', 'at-least-once'],
    ['mariadb', 'transactional'],
    ['postgres', 'transactional'],
  ];
  for (const [storageKind, mode] of runs) {
    it(`${storageKind}, ${mode}: ${mode === 'transactional' ? 'every effect exactly once' : 'every message at least once, duplicates only in the uncommitted window'}`, async () => {
      const dir = tempDir('k7');
      const settings: K7Settings = {
        port,
        topic: 'k7',
        group: `k7_${storageKind}_${mode === 'transactional' ? 'tx' : 'alo'}`,
        storage: storageKind,
        mode,
        offsetsFile: join(dir, 'offsets.json'),
        offsetsTable: `k7_offsets_${suffix}`,
        effectsFile: join(dir, 'effects.log'),
        effectsTable: `k7_effects_${suffix}`,
      };
      if (mode === 'transactional') {
        const ddl = `CREATE TABLE IF NOT EXISTS ${settings.effectsTable} (payload VARCHAR(64) NOT NULL, off BIGINT NOT NULL)`;
        if (storageKind === 'mariadb') await mysqlPool.query(ddl);
        else await pgPool.query(ddl);
      }
      const killAfter = 200 + Math.floor(Math.random() * 1000);
      const first = await startConsumer(settings);
      await waitFor(settings, (seen) => seen.length >= killAfter);
      await stop(first, 'SIGKILL');
      const committed = (await storageFor(settings).load('k7', settings.group, { brokerId: 0, index: 0 }))?.offset ?? 0;
      const processedBeforeKill = (await effects(settings)).length;

      const second = await startConsumer(settings);
      await waitFor(settings, (seen) => new Set(seen.map((e) => e.payload)).size >= MESSAGES);
      assert.equal(await stop(second, 'SIGTERM'), 0);

      const seen = await effects(settings);
      const counts = new Map<string, number>();
      for (const effect of seen) counts.set(effect.payload, (counts.get(effect.payload) ?? 0) + 1);
      assert.equal(counts.size, MESSAGES, 'every message was processed');
      const duplicates = seen.filter((effect, i) => seen.findIndex((other) => other.payload === effect.payload) !== i);
      console.log(`# K7 ${storageKind} ${mode}: killed after ${processedBeforeKill} effects, committed offset ${committed}, ${duplicates.length} duplicates`);
      assert.ok(processedBeforeKill < MESSAGES, 'the kill landed while messages were still being processed');
      if (mode === 'transactional') assert.equal(duplicates.length, 0, 'exactly once');
      else
        assert.ok(
          duplicates.every((d) => d.offset >= committed),
          'duplicates only after the last committed offset',
        );
    });
  }
});
