import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { CLI, killAllBrokers, startBrokerProcess, tempDir, writeConfig } from '../support/broker-process.js';
import type { BrokerProcess } from '../support/broker-process.js';
import { WireSession } from '../support/wire-client.js';
import { txCommand, txPut, xaKey } from '../support/wire-transactions.js';

const run = promisify(execFile);
const metaq = (...args: string[]) => run(process.execPath, [CLI, ...args]);

describe('metaq command line', { timeout: 60_000 }, () => {
  let broker: BrokerProcess;
  const dir = tempDir('cli');

  before(async () => {
    broker = await startBrokerProcess(writeConfig(dir, { dataPath: join(dir, 'data'), unflushThreshold: 0 }));
  });
  after(killAllBrokers);

  it('produce prints id, partition and offset; consume prints the messages; stats prints key/value lines', async () => {
    const port = String(broker.port);
    const produced = await metaq('produce', 'cli-topic', '--message', 'hello', '--message', 'world', '--port', port);
    const lines = produced.stdout.trim().split('\n');
    assert.equal(lines.length, 2);
    assert.match(lines[0]!, /^\d+ 0 0$/);
    assert.match(lines[1]!, /^\d+ 0 25$/);
    const consumed = await metaq('consume', 'cli-topic', '--port', port);
    assert.deepEqual(
      consumed.stdout
        .trim()
        .split('\n')
        .map((l) => l.split('\t')[4]),
      ['hello', 'world'],
    );
    const stats = await metaq('stats', '--port', port);
    assert.match(stats.stdout, /^cmd_put 2$/m);
  });

  it('consume --group resumes where the previous run stopped', async () => {
    const port = String(broker.port);
    const offsets = join(dir, 'offsets.json');
    await metaq('produce', 'cli-group', '--message', 'a', '--message', 'b', '--message', 'c', '--port', port);
    const first = await metaq('consume', 'cli-group', '--group', 'readers', '--offsets', offsets, '--limit', '2', '--port', port);
    assert.deepEqual(
      first.stdout
        .trim()
        .split('\n')
        .map((l) => l.split('\t')[4]),
      ['a', 'b'],
    );
    const second = await metaq('consume', 'cli-group', '--group', 'readers', '--offsets', offsets, '--limit', '1', '--port', port);
    assert.deepEqual(
      second.stdout
        .trim()
        .split('\n')
        .map((l) => l.split('\t')[4]),
      ['c'],
    );
  });

  it('bad arguments exit 64 with a usage message', async () => {
    await assert.rejects(
      metaq('consume'),
      (error: { code?: number; stderr?: string }) => error.code === 64 && /missing required argument 'topic'/.test(error.stderr ?? ''),
    );
    await assert.rejects(
      metaq('stats', '--port', 'eighty'),
      (error: { code?: number; stderr?: string }) =>
        error.code === 64 && /option '--port <N>' argument 'eighty' is invalid\. It must be a port number from 1 to 65535/.test(error.stderr ?? ''),
    );
  });

  it('tx list shows a prepared XA transaction; tx commit and tx rollback finish them heuristically', async () => {
    const port = String(broker.port);
    const session = await WireSession.open('127.0.0.1', broker.port);
    const [kept, dropped] = [xaKey('cli-commit', 'ops'), xaKey('cli-rollback', 'ops')];
    for (const [key, body] of [
      [kept, 'kept'],
      [dropped, 'dropped'],
    ] as const) {
      await txCommand(session, key, 'BEGIN');
      await txPut(session, key, 'cli-tx', 0, body);
      await txCommand(session, key, 'PREPARE');
    }
    const listed = await metaq('tx', 'list', '--port', port);
    assert.match(listed.stdout, new RegExp(`^${kept} PREPARED 1 \\d+$`, 'm'));
    assert.match((await metaq('tx', 'commit', kept, '--port', port)).stdout, /committed .* heuristically/);
    await metaq('tx', 'rollback', dropped, '--port', port);
    assert.match((await metaq('tx', 'list', '--port', port)).stdout, new RegExp(`^${kept} HEURISTIC_COMMIT 0 \\d+$`, 'm'));
    const consumed = await metaq('consume', 'cli-tx', '--port', port);
    assert.deepEqual(
      consumed.stdout
        .trim()
        .split('\n')
        .map((l) => l.split('\t')[4]),
      ['kept'],
    );
    await assert.rejects(metaq('tx', 'commit', xaKey('nobody'), '--port', port), /only a prepared XA transaction can be completed by hand/);
    await session.close();
  });

  it('slave status prints the replication role; resubscribe on a master is refused with the reason', async () => {
    const port = String(broker.port);
    assert.match((await metaq('slave', 'status', '--port', port)).stdout, /^role master$/m);
    await assert.rejects(
      metaq('slave', 'resubscribe', '--port', port),
      (error: { code?: number; stderr?: string }) => error.code === 1 && /not an async slave/.test(error.stderr ?? ''),
    );
    await assert.rejects(metaq('slave', 'restart', '--port', port), (error: { code?: number }) => error.code === 64);
  });
});
