import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdirSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checksum } from '../../src/common/checksum.js';
import type { Command } from '../../src/protocol/commands.js';
import { killAllBrokers, startBrokerProcess, tempDir, writeConfig } from '../support/broker-process.js';
import type { BrokerProcess } from '../support/broker-process.js';
import { WireSession, put, scanPartition } from '../support/wire-client.js';

const RULE = /invalid topic name .*: a topic name is 1 to 249 characters from A-Z, a-z, 0-9, "\.", "_" and "-", and is not "\." or "\.\."/;

/** Names an attacker tried: paths out of the data directory, into another topic, through an ACL pattern. */
const HOSTILE = ['logs-../../../x', 'logs./../payments', '../escape', 'a/b', '.', '..', 'x'.repeat(250), 'nel\u0085', 'caf\u00e9', 'lone\ud800surrogate', 'log-*', 'a:b', '%2e%2e'];

/** Every file and directory under `dir`, as paths relative to it. */
function tree(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((entry) => {
    const path = join(prefix, entry.name);
    return entry.isDirectory() ? [path, ...tree(dir, path)] : [path];
  });
}

/** A raw connection: what the broker answers to bytes we choose (names no encoder would write). */
async function raw(port: number): Promise<Socket & { text: () => string }> {
  const socket = connect({ host: '127.0.0.1', port });
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  await once(socket, 'connect');
  return Object.assign(socket, { text: () => received });
}

async function answer(socket: Socket & { text: () => string }, request: Buffer, opaque: number): Promise<string> {
  const before = socket.text().length;
  socket.write(request);
  const reply = new RegExp(`result (\\d+) (\\d+) ${opaque}\\r\\n`);
  while (!reply.test(socket.text().slice(before))) await once(socket, 'data');
  const [, code, length] = reply.exec(socket.text().slice(before))!;
  const start = socket.text().indexOf('\r\n', before) + 2;
  while (socket.text().length < start + Number(length)) await once(socket, 'data');
  return `${code} ${socket.text().slice(start, start + Number(length))}`;
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
    const group = await session.request((opaque) => ({ kind: 'get', topic: 'logs', group: 'a/b', partition: 0, offset: 0, maxSize: 1024, opaque }));
    assert.equal(group.kind === 'result' && group.code, 400);
    assert.match(group.body.toString(), /invalid group name "a\/b": a group name is 1 to 249 characters/);
    // The same connection still stores a valid put; the longest allowed name works.
    assert.equal((await put(session, 'logs', 0, 'after the attack')).code, 200);
    assert.equal((await put(session, 'y'.repeat(249), 0, 'longest name')).code, 200);
  });

  it('refuses names no encoder writes (NUL, bytes that are not UTF-8) with 400 instead of a 500 or a collision', async () => {
    const socket = await raw(broker.port);
    try {
      for (const [n, name] of [Buffer.from('a\u0000b'), Buffer.from([0x74, 0xff, 0xfe]), Buffer.from([0x74, 0xef, 0xbf, 0xbd])].entries()) {
        const opaque = 100 + n;
        const request = Buffer.concat([Buffer.from('put '), name, Buffer.from(` 0 1 0 ${opaque}\r\nx`)]);
        const reply = await answer(socket, request, opaque);
        assert.match(reply, /^400 invalid topic name/);
      }
      assert.match(await answer(socket, Buffer.from(`put logs 0 1 0 200\r\nx`), 200), /^200 /);
    } finally {
      socket.destroy();
    }
  });

  it('writes nothing outside the data directory, and what it acked is there after a restart', async () => {
    assert.deepEqual(readdirSync(root), ['data']);
    const dirs = readdirSync(data).filter((name) => !name.startsWith('.') && name !== 'transactions').sort();
    assert.deepEqual(dirs, ['logs-0', `${'y'.repeat(249)}-0`]);
    await session.close();
    assert.equal(await broker.kill('SIGTERM'), 0);
    broker = await startBrokerProcess(config);
    session = await WireSession.open('127.0.0.1', broker.port);
    const read = await scanPartition(session, 'logs', 0);
    assert.deepEqual(read.map((r) => r.payload), ['after the attack', 'x']);
    assert.equal((await scanPartition(session, 'y'.repeat(249), 0)).length, 1);
    assert.deepEqual(tree(root).filter((path) => !path.startsWith('data')), []);
  });
});
