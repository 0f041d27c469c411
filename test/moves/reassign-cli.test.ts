import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { CLI, tempDir } from '../support/broker-process.js';
import { zookeeperForSuite } from '../support/suite-zookeeper.js';
import { movingBroker } from './move-cluster.js';

const run = promisify(execFile);

describe('metaq reassign', { timeout: 120_000 }, () => {
  const zookeeper = zookeeperForSuite({ session: true });
  const metaq = async (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
    try {
      const { stdout, stderr } = await run(process.execPath, [CLI, 'reassign', ...args, '--zk', zookeeper.connect]);
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  };

  it('plans a drain, executes it with a throttle, follows it to done, and refuses what it cannot do', async () => {
    const one = await movingBroker(zookeeper.connect, 1, { orders: 2 });
    const two = await movingBroker(zookeeper.connect, 2, { other: 1 });

    const plan = await metaq('--plan', '--drain', '1', '--topic', 'orders');
    assert.equal(plan.code, 0, plan.stderr);
    const moves = (JSON.parse(plan.stdout) as { moves: unknown[] }).moves;
    assert.deepEqual(moves, [
      { topic: 'orders', source: { broker: 1, partition: 1 }, target: { broker: 2, partition: 0 } },
      { topic: 'orders', source: { broker: 1, partition: 0 }, target: { broker: 2, partition: 1 } },
    ]);
    const file = join(tempDir('reassign-plan'), 'plan.json');
    writeFileSync(file, plan.stdout);

    // A plan whose moves skip the source's last partition is refused before anything is recorded.
    const holed = join(tempDir('reassign-holed'), 'plan.json');
    writeFileSync(holed, JSON.stringify({ version: 1, moves: [moves[1]] }));
    const refused = await metaq('--execute', holed);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /must be its last ones/);
    assert.equal((await metaq('--status')).stdout.trim(), 'no partition moves recorded');

    assert.equal((await metaq('--plan', '--status')).code, 64, 'two modes at once is a usage error');
    assert.equal((await metaq('--plan', '--move', 'orders:1')).code, 64, 'a malformed --move');
    assert.equal((await metaq('--execute', file, '--throttle', 'fast')).code, 64, 'a throttle that is not a rate');
    const missing = await metaq('--execute', join(tempDir('reassign-none'), 'none.json'));
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /does not exist/);

    const executed = await metaq('--execute', file, '--throttle', '1MiB', '--wait', '--timeout-ms', '60000');
    assert.equal(executed.code, 0, executed.stderr);
    assert.match(executed.stdout, /2 moves recorded; .* at up to 1048576 bytes\/s each/);
    const status = JSON.parse((await metaq('--status', '--json')).stdout) as Array<{ state: string; throttleBytesPerSecond: number }>;
    assert.deepEqual(
      status.map((m) => [m.state, m.throttleBytesPerSecond]),
      [
        ['done', 1048576],
        ['done', 1048576],
      ],
    );
    assert.equal(await zookeeper.session.getData('/meta/brokers/topics-pub/orders/1-m'), undefined, 'broker 1 no longer registers orders');
    assert.equal(await zookeeper.session.getData('/meta/brokers/topics-pub/orders/2-m'), '{"numParts":2,"broker":"2-m"}');

    const again = await metaq('--plan', '--drain', '1', '--topic', 'orders');
    assert.deepEqual((JSON.parse(again.stdout) as { moves: unknown[] }).moves, [], 'nothing left to drain');
    const cancelled = await metaq('--cancel');
    assert.match(cancelled.stdout, /0 moves cancelled/);
    assert.equal((await metaq('--status')).stdout.trim(), 'no partition moves recorded', 'done records are cleared by --cancel');
    await one.broker.stop();
    await two.broker.stop();
  });
});
