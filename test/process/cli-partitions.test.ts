import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Broker } from '../../src/broker/broker.js';
import { MetaqClient } from '../../src/client/index.js';
import { CLI } from '../support/broker-process.js';
import { startBroker } from '../support/in-process-broker.js';

const run = promisify(execFile);

// The CLI in direct mode on a topic of 4 partitions that no option names: the broker says how many.
describe('metaq produce, consume and lookup over every partition', { timeout: 60_000 }, () => {
  let broker: Broker;
  const metaq = async (...args: string[]): Promise<string> => (await run(process.execPath, [CLI, ...args, '--port', String(broker.port)])).stdout;

  before(async () => {
    broker = await startBroker({}, '[topic=x]\nnumPartitions=4\nkeyIndex=true\n[topic=*]\n');
  });
  after(() => broker.stop());

  it('produce spreads over all 4 partitions and consume prints all of them, in order within each', async () => {
    const messages = Array.from({ length: 8 }, (_, n) => `m${n}`);
    const sent = (await metaq('produce', 'x', ...messages.flatMap((m) => ['--message', m]))).trim().split('\n');
    assert.deepEqual(
      [0, 1, 2, 3].map((p) => sent.filter((line) => line.split(' ')[1] === String(p)).length),
      [2, 2, 2, 2],
    );
    const all = await metaq('consume', 'x');
    const each = await Promise.all([0, 1, 2, 3].map((p) => metaq('consume', 'x', '--partition', String(p))));
    assert.deepEqual(
      each.map((lines) => lines.trim().split('\n').length),
      [2, 2, 2, 2],
    );
    // Each line says which partition it came from.
    assert.deepEqual(
      each.map((lines) => [
        ...new Set(
          lines
            .trim()
            .split('\n')
            .map((line) => line.split('\t')[0]),
        ),
      ]),
      [['0'], ['1'], ['2'], ['3']],
    );
    assert.equal(all, each.join(''), 'every partition, each in offset order');
    assert.deepEqual(
      new Set(
        all
          .trim()
          .split('\n')
          .map((line) => line.split('\t')[4]),
      ),
      new Set(messages),
    );
  });

  it('produce --partition N sends every message there', async () => {
    const lines = (await metaq('produce', 'x', '--partition', '3', '--message', 'a', '--message', 'b', '--message', 'c')).trim().split('\n');
    assert.deepEqual(
      lines.map((line) => line.split(' ')[1]),
      ['3', '3', '3'],
    );
  });

  it('lookup --key searches every partition without --partitions', async () => {
    const client = new MetaqClient({ serverUrl: broker.url });
    try {
      const producer = client.producer();
      for (let n = 0; n < 8; n++) await producer.send({ topic: 'x', data: `keyed ${n}`, attribute: 'k1' });
    } finally {
      await client.close();
    }
    const found = (await metaq('lookup', 'x', '--key', 'k1')).trim().split('\n');
    assert.equal(found.length, 8);
    assert.deepEqual(new Set(found.map((line) => line.split('\t')[0])), new Set(['0', '1', '2', '3']));
  });
});
