import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { MetaqClient } from '../../src/client/index.js';
import { CLI, killAllBrokers, startBrokerProcess, tempDir, writeConfig } from '../support/broker-process.js';
import type { BrokerProcess } from '../support/broker-process.js';

const run = promisify(execFile);

interface Failure {
  code?: number;
  stdout?: string;
  stderr?: string;
}

/** The CLI's failure, or an assertion error when it succeeded. */
async function failureOf(run: Promise<unknown>): Promise<Failure> {
  try {
    await run;
  } catch (error) {
    return error as Failure;
  }
  assert.fail('the command exited 0');
}

describe('metaq consume: what it prints, and what it says when there is nothing to read', { timeout: 60_000 }, () => {
  let broker: BrokerProcess;
  let port: string;
  const metaq = (...args: string[]) => run(process.execPath, [CLI, ...args, '--port', port]);
  const dir = tempDir('cli-consume');

  before(async () => {
    broker = await startBrokerProcess(writeConfig(dir, { dataPath: join(dir, 'data'), unflushThreshold: 0 }));
    port = String(broker.port);
    const client = new MetaqClient({ serverUrl: `meta://127.0.0.1:${port}` });
    try {
      const producer = client.producer();
      await producer.send({ topic: 'shown', data: 'plain' });
      await producer.send({ topic: 'shown', data: 'two\nlines\tand a tab \\ \u0001', attribute: 'key\t1' });
    } finally {
      await client.close();
    }
  });
  after(killAllBrokers);

  it('prints partition, offset, id, attribute or - and data on every line, with newlines, tabs and control characters escaped', async () => {
    const lines = (await metaq('consume', 'shown')).stdout.split('\n');
    assert.equal(lines.pop(), '', 'each message ends with a newline');
    assert.equal(lines.length, 2, 'one line per message');
    const rows = lines.map((line) => line.split('\t'));
    assert.deepEqual(
      rows.map((row) => row.length),
      [5, 5],
    );
    assert.deepEqual(
      rows.map((row) => row.slice(3)),
      [
        ['-', 'plain'],
        ['key\\t1', 'two\\nlines\\tand a tab \\\\ \\u0001'],
      ],
    );
    assert.deepEqual(
      rows.map((row) => row[0]),
      ['0', '0'],
    );
    assert.match(rows[1]![1]!, /^\d+$/);
  });

  it('a missing topic or partition exits 66 saying so', async () => {
    const topic = await failureOf(metaq('consume', 'nosuch'));
    assert.equal(topic.code, 66);
    assert.match(topic.stderr!, /topic nosuch has no partition 0 on this broker/);
    const partition = await failureOf(metaq('consume', 'shown', '--partition', '7'));
    assert.equal(partition.code, 66);
    assert.match(partition.stderr!, /topic shown has no partition 7 on this broker \(it has 0\)/);
  });

  it('an offset past the end exits 66 with the end and the first offset; reading to the end exits 0', async () => {
    const end = Number((await metaq('produce', 'ended', '--message', 'only')).stdout.trim().split(' ')[2]) + 24;
    const past = await failureOf(metaq('consume', 'ended', '--offset', '100000'));
    assert.equal(past.code, 66);
    assert.match(past.stderr!, new RegExp(`offset 100000 is past the end of ended-0 \\(end: ${end}\\); the first offset is 0`));
    assert.equal((await metaq('consume', 'ended', '--offset', String(end))).stdout, '', 'at the end: nothing, and exit 0');
  });

  it('an offset inside a message says so and how to find one, while a message larger than --max-size still says that', async () => {
    const inside = await failureOf(metaq('consume', 'shown', '--offset', '5'));
    assert.equal(inside.code, 66);
    assert.match(inside.stderr!, /offset 5 is not at the start of a message in shown-0: offsets are byte positions.*--from <time>/);
    assert.doesNotMatch(inside.stderr!, /maxSize/);
    const large = await failureOf(metaq('consume', 'shown', '--max-size', '21'));
    assert.equal(large.code, 1);
    assert.match(large.stderr!, /the message at shown-0@0 is larger than maxSize 21/);
  });

  it('exits 0 without a stack trace when its reader closes standard output', async () => {
    const child = spawn(process.execPath, [CLI, 'stats', '--port', port], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy(); // like `head` exiting before stats has answered
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(stderr, '');
    assert.equal(code, 0);
  });
});
