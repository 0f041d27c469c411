import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checksum } from '../../src/common/checksum.js';
import type { Command } from '../../src/protocol/commands.js';
import { killAllBrokers, startBrokerProcess, tempDir, writeConfig } from '../support/broker-process.js';
import type { BrokerProcess } from '../support/broker-process.js';
import { rawConnection } from '../support/raw-replies.js';
import { WireSession, put, scanPartition } from '../support/wire-client.js';

const RULE = /invalid topic name .*: a topic name is 1 to 249 characters from A-Z, a-z, 0-9, "\.", "_" and "-", and is not "\." or "\.\."/;

/** Names an attacker tried: paths out of the data directory, into another topic, through an ACL pattern. */
const HOSTILE = [
  'logs-../../../x',
  'logs./../payments',
  '../escape',
  'a/b',
  '.',
  '..',
  'x'.repeat(250),
  'nel\u0085',
  'caf\u00e9',
  'lone\ud800surrogate',
  'log-*',
  'a:b',
  '%2e%2e',
];

/** Every file and directory under `dir`, as paths relative to it. */
function tree(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((entry) => {
    const path = join(prefix, entry.name);
    return entry.isDirectory() ? [path, ...tree(dir, path)] : [path];
  });
}

describe('hostile topic and group names against a broker process at default settings', { timeout: 120_000 }, () => {
  const root = tempDir('names');
  const data = join(root, 'data');
  let config: string;
  let broker: BrokerProcess;
  let session: WireSession;

  before(async () => {
    mkdirSync(data);
    config = writeConfig(tempDir('names-config'), { dataPath: data, unflushThreshold: 0 });
    broker = await startBrokerProcess(config);
    session = await WireSession.open('127.0.0.1', broker.port);
  });
  after(async () => {
    await session.close();
    await killAllBrokers();
  });

  it('refuses every command naming an invalid topic with 400 and the rule, and keeps the connection serving', async () => {
    const body = Buffer.from('payload');
    const commands = (topic: string): Array<(opaque: number) => Command> => [
      (opaque) => ({ kind: 'put', topic, partition: 0, flag: 0, checksum: checksum(body), txKey: undefined, opaque, body }),
      (opaque) => ({ kind: 'get', topic, group: 'g', partition: 0, offset: 0, maxSize: 1024, opaque }),
      (opaque) => ({ kind: 'wget', topic, group: 'g', partition: 0, offset: 0, maxSize: 1024, maxWaitMs: 10, opaque }),
      (opaque) => ({ kind: 'offset', topic, group: 'g', partition: 0, offset: 0, opaque }),
      (opaque) => ({ kind: 'otime', topic, partition: 0, timeMs: 0, opaque }),
      (opaque) => ({ kind: 'okey', topic, partition: 0, key: 'k', limit: 1, opaque }),
      (opaque) => ({ kind: 'dput', topic, partition: 0, count: 1, deliverAtMs: Date.now() + 60_000, opaque, body }),
    ];
    for (const topic of HOSTILE) {
      for (const build of commands(topic)) {
        const reply = await session.request(build);
        assert.equal(reply.kind, 'result');
        assert.equal(reply.kind === 'result' && reply.code, 400, `${build(0).kind} ${JSON.stringify(topic)}: ${reply.body.toString()}`);
        assert.match(reply.body.toString(), RULE);
      }
    }
    const stats = await session.request((opaque) => ({ kind: 'stats', item: '../../etc', opaque }));
    assert.equal(stats.kind === 'result' && stats.code, 400);
    const group = await session.request((opaque) => ({ kind: 'get', topic: 'logs', group: 'a/b', partition: 0, offset: 0, maxSize: 1024, opaque }));
    assert.equal(group.kind === 'result' && group.code, 400);
    assert.match(group.body.toString(), /invalid group name "a\/b": a group name is 1 to 249 characters/);
    // The same connection still stores a valid put; the longest allowed name works.
    assert.equal((await put(session, 'logs', 0, 'after the attack')).code, 200);
    assert.equal((await put(session, 'y'.repeat(249), 0, 'longest name')).code, 200);
  });

  it('refuses names no encoder writes (NUL, bytes that are not UTF-8) with 400 instead of a 500 or a collision', async () => {
    const connection = await rawConnection(broker.port);
    try {
      for (const [n, name] of [Buffer.from('a\u0000b'), Buffer.from([0x74, 0xff, 0xfe]), Buffer.from([0x74, 0xef, 0xbf, 0xbd])].entries()) {
        const opaque = 100 + n;
        const request = Buffer.concat([Buffer.from('put '), name, Buffer.from(` 0 1 0 ${opaque}\r\nx`)]);
        assert.match(await connection.result(request, opaque), /^400 invalid topic name/);
      }
      assert.match(await connection.result(Buffer.from(`put logs 0 1 0 200\r\nx`), 200), /^200 /);
    } finally {
      connection.socket.destroy();
    }
  });

  it('writes nothing outside the data directory, and what it acked is there after a restart', async () => {
    // data.metaq: the broker's own state, beside the data directory (docs/storage.md); only its own names
    assert.deepEqual(readdirSync(root).sort(), ['data', 'data.metaq']);
    assert.deepEqual(
      readdirSync(join(root, 'data.metaq')).filter((name) => !['.delayed', '.trace', 'transactions'].includes(name)),
      [],
    );
    const dirs = readdirSync(data)
      .filter((name) => !name.startsWith('.') && name !== 'transactions')
      .sort();
    assert.deepEqual(dirs, ['logs-0', `${'y'.repeat(249)}-0`]);
    await session.close();
    assert.equal(await broker.kill('SIGTERM'), 0);
    broker = await startBrokerProcess(config);
    session = await WireSession.open('127.0.0.1', broker.port);
    const read = await scanPartition(session, 'logs', 0);
    assert.deepEqual(
      read.map((r) => r.payload),
      ['after the attack', 'x'],
    );
    assert.equal((await scanPartition(session, 'y'.repeat(249), 0)).length, 1);
    assert.deepEqual(
      tree(root).filter((path) => !path.startsWith('data')),
      [],
    );
  });
});

describe('a data directory holding directories the broker would not have created', { timeout: 60_000 }, () => {
  after(() => killAllBrokers());

  it('logs each one, leaves it as it is and serves none of it', async () => {
    const data = tempDir('foreign');
    const foreign = ['x-01', 'a b-0', '..-0', 'caf\u00e9-0', 'notes', 'x-100000'];
    for (const name of foreign) {
      mkdirSync(join(data, name));
      writeFileSync(join(data, name, '00000000000000000000.meta'), 'not a segment');
    }
    const broker = await startBrokerProcess(writeConfig(tempDir('foreign-config'), { dataPath: data, unflushThreshold: 0 }));
    const warned = broker.logs
      .filter((line) => String(line.msg).startsWith('not a partition directory this broker would create'))
      .map((line) => basename(String(line.dir)));
    assert.deepEqual(warned.sort(), [...foreign].sort());
    const session = await WireSession.open('127.0.0.1', broker.port);
    try {
      const got = await session.request((opaque) => ({ kind: 'get', topic: 'x', group: 'g', partition: 1, offset: 0, maxSize: 1024, opaque }));
      assert.equal(got.kind === 'result' && got.code, 404, 'x-01 is not partition 1 of x');
      assert.equal((await put(session, 'x', 0, 'served')).code, 200);
    } finally {
      await session.close();
    }
    for (const name of foreign) assert.equal(readFileSync(join(data, name, '00000000000000000000.meta'), 'utf8'), 'not a segment');
  });
});
