import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { encodeEnvelope } from '../../src/client/consumer/retry-envelope.js';
import { MetaqClient } from '../../src/client/index.js';
import { CLI, killAllBrokers, startBrokerProcess, tempDir, writeConfig } from '../support/broker-process.js';
import type { BrokerProcess } from '../support/broker-process.js';
import { WireSession } from '../support/wire-client.js';
import { txCommand, txPut, xaKey } from '../support/wire-transactions.js';

const run = promisify(execFile);

/** Runs a command with --json and parses its whole stdout as one document: anything else there fails the parse. */
async function json<T>(args: string[]): Promise<T> {
  const { stdout } = await run(process.execPath, [CLI, ...args, '--json']);
  return JSON.parse(stdout) as T;
}

/** `stats --json`: `{brokers: [{url, stats}]}`; the one broker's stats. */
async function statsOf<T>(args: string[]): Promise<Record<string, T>> {
  const document = await json<{ brokers: Array<{ url: string; stats: Record<string, T> }> }>(['stats', ...args]);
  assert.equal(document.brokers.length, 1);
  return document.brokers[0]!.stats;
}

describe('metaq --json against a broker', { timeout: 60_000 }, () => {
  let broker: BrokerProcess;
  let port: string;
  const dir = tempDir('cli-json');
  const sent: Array<{ id: bigint; offset: number }> = [];

  before(async () => {
    broker = await startBrokerProcess(writeConfig(dir, { dataPath: join(dir, 'data'), unflushThreshold: 0 }, { '*': {}, 'json-topic': { stat: 'true' } }));
    port = String(broker.port);
    const client = new MetaqClient({ serverUrl: `meta://127.0.0.1:${broker.port}` });
    const producer = client.producer();
    for (const data of ['a', 'b']) sent.push(await producer.send({ topic: 'json-topic', data }));
    const envelope = { topic: 'orders', partition: { brokerId: 0, index: 0 }, offset: 0, id: 7n, attribute: undefined, failures: 3 };
    await producer.send({ topic: 'dlq.payers', data: 'poison', attribute: encodeEnvelope({ ...envelope, firstFailedAt: new Date(0), lastError: 'boom' }) });
    await client.close();
  });
  after(killAllBrokers);

  it('stats, with no item and with topics, offsets, realtime, config and a topic, prints {brokers: [{url, stats}]}', async () => {
    const all = await statsOf<unknown>(['--port', port]);
    assert.equal(all.cmd_put, 3);
    assert.equal(all.slave, false);
    const topics = await statsOf<{ message_count: number; accept_publish: boolean }>(['topics', '--port', port]);
    assert.equal(topics['json-topic']?.message_count, 2);
    assert.equal(topics['json-topic']?.accept_publish, true);
    const offsets = await statsOf<{ part: number; min_offset: number; max_offset: number }>(['offsets', '--port', port]);
    assert.equal(offsets['json-topic']?.part, 0);
    assert.equal(offsets['json-topic']?.min_offset, 0);
    assert.ok(offsets['json-topic'].max_offset > sent[1]!.offset, 'the end is past the last message');
    const realtime = await statsOf<{ Count: number } | null>(['realtime', '--port', port]);
    assert.equal(realtime.realtime_put?.Count, 2, 'json-topic counts, with stat=true');
    assert.equal(realtime.realtime_get, null, 'no get yet: the broker says null');
    const config = await json<{ brokers: Array<{ config: string }> }>(['stats', 'config', '--port', port]);
    assert.match(config.brokers[0]!.config, /^\[topic=json-topic\]\nstat=true$/m);
    const topic = await statsOf<unknown>(['json-topic', '--port', port]);
    assert.equal(topic.message_count, 2);
    assert.equal(topic.partitions, 1);
  });

  it('tx list prints [{broker, key, state, messages, ageMs}]', async () => {
    const session = await WireSession.open('127.0.0.1', broker.port);
    const key = xaKey('json-prepared', 'ops');
    await txCommand(session, key, 'BEGIN');
    await txPut(session, key, 'json-tx', 0, 'held');
    await txCommand(session, key, 'PREPARE');
    const listed = await json<Array<Record<string, unknown>>>(['tx', 'list', '--port', port]);
    const row = listed.find((tx) => tx.key === key);
    assert.equal(row?.state, 'PREPARED');
    assert.equal(row?.messages, 1);
    assert.equal(typeof row?.ageMs, 'number');
    await session.close();
  });

  it('slave status prints the replication state as one object; --json with an action that changes something is a usage error', async () => {
    assert.equal((await json<{ role: string }>(['slave', 'status', '--port', port])).role, 'master');
    await assert.rejects(
      json(['tx', 'commit', xaKey('nobody'), '--port', port]),
      (error: { code?: number; stdout?: string; stderr?: string }) =>
        error.code === 64 && error.stdout === '' && /--json goes with tx list only, not tx commit/.test(error.stderr ?? ''),
    );
  });

  it('lookup --id prints [{partition, offset, id, attribute, data}] with the id as a string', async () => {
    const found = await json<unknown>(['lookup', 'json-topic', '--id', String(sent[1]!.id), '--port', port]);
    assert.deepEqual(found, [{ partition: 0, offset: sent[1]!.offset, id: String(sent[1]!.id), attribute: null, data: 'b' }]);
  });

  it('dlq list prints [{partition, offset, id, topic, failures, firstFailedAt, lastError, data}]', async () => {
    const [letter = {}] = await json<Array<Record<string, unknown>>>(['dlq', 'list', '--group', 'payers', '--port', port]);
    assert.equal(typeof letter.id, 'string');
    assert.equal(letter.topic, 'orders');
    assert.equal(letter.failures, 3);
    assert.equal(letter.firstFailedAt, new Date(0).toISOString());
    assert.equal(letter.lastError, 'boom');
    assert.equal(letter.data, 'poison');
  });

  it('user list prints [{name, publish, subscribe, admin}]', async () => {
    const users = join(dir, 'users.json');
    await run(process.execPath, [CLI, 'user', 'add', 'ops', '--users', users, '--publish', 'orders', '--admin-rights'], {
      env: { ...process.env, METAQ_PASSWORD: 'secret-pass' },
    });
    assert.deepEqual(await json<unknown>(['user', 'list', '--users', users]), [{ name: 'ops', publish: ['orders'], subscribe: [], admin: true }]);
  });
});
