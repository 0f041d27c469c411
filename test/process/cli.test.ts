import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { CLI, killAllBrokers, startBrokerProcess, tempDir, writeConfig } from '../support/broker-process.js';
import type { BrokerProcess } from '../support/broker-process.js';

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
    assert.deepEqual(consumed.stdout.trim().split('\n').map((l) => l.split('\t')[2]), ['hello', 'world']);
    const stats = await metaq('stats', '--port', port);
    assert.match(stats.stdout, /^cmd_put 2$/m);
  });

  it('consume --group resumes where the previous run stopped', async () => {
    const port = String(broker.port);
    const offsets = join(dir, 'offsets.json');
    await metaq('produce', 'cli-group', '--message', 'a', '--message', 'b', '--message', 'c', '--port', port);
    const first = await metaq('consume', 'cli-group', '--group', 'readers', '--offsets', offsets, '--limit', '2', '--port', port);
    assert.deepEqual(first.stdout.trim().split('\n').map((l) => l.split('\t')[2]), ['a', 'b']);
    const second = await metaq('consume', 'cli-group', '--group', 'readers', '--offsets', offsets, '--limit', '1', '--port', port);
    assert.deepEqual(second.stdout.trim().split('\n').map((l) => l.split('\t')[2]), ['c']);
  });

  it('bad arguments exit 64 with a usage message', async () => {
    await assert.rejects(metaq('consume'), (error: { code?: number; stderr?: string }) => error.code === 64 && /consume needs a TOPIC/.test(error.stderr ?? ''));
    await assert.rejects(metaq('stats', '--port', 'eighty'), (error: { code?: number; stderr?: string }) => error.code === 64 && /--port must be an integer/.test(error.stderr ?? ''));
  });
});
