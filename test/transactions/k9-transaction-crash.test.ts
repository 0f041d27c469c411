import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { MetaqClient } from '../../src/client/index.js';
import { killAllBrokers, startBrokerProcess, tempDir, writeConfig } from '../support/broker-process.js';
import { eventually } from '../support/eventually.js';
import { interleaving, txOf, watchTopic } from '../support/topic-watcher.js';
import { WireSession } from '../support/wire-client.js';
import { txCommand, txPut, xaKey } from '../support/wire-transactions.js';

const TX_PRODUCER = fileURLToPath(new URL('../support/tx-producer.js', import.meta.url));
const SIZE = 6;

/** Group what was seen by transaction: tx → message count. */
function countByTx(seen: ReadonlyArray<{ data: string }>): Map<number, number> {
  const counts = new Map<number, number>();
  for (const { data } of seen) counts.set(txOf(data), (counts.get(txOf(data)) ?? 0) + 1);
  return counts;
}

describe('K9: crashes in the middle of local transactions', () => {
  after(killAllBrokers);

  it('producer killed mid-transaction: its open transaction is rolled back, committed ones are whole, a reader never sees a partial one', async () => {
    const dir = tempDir('k9p');
    const broker = await startBrokerProcess(writeConfig(dir, { dataPath: `${dir}/data`, numPartitions: 2, unflushThreshold: 0 }, { k9: {} }));
    const client = new MetaqClient({ serverUrl: `meta://127.0.0.1:${broker.port}`, partitions: { k9: 2 } });
    const watcher = watchTopic('k9', 2, client);
    const killTx = 2 + Math.floor(Math.random() * 4);
    const killAfter = 1 + Math.floor(Math.random() * (SIZE - 1));
    const child = spawn(process.execPath, [TX_PRODUCER, String(broker.port), 'k9', String(SIZE), String(killTx), String(killAfter)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const committed = new Set<number>();
    await new Promise<void>((resolve) => {
      createInterface({ input: child.stdout }).on('line', (line) => {
        const [what, tx, n] = line.split(' ');
        if (what === 'committed') committed.add(Number(tx));
        if (what === 'sent' && Number(tx) === killTx && Number(n) === killAfter) child.kill('SIGKILL');
      });
      child.once('exit', () => resolve());
    });
    const session = await WireSession.open('127.0.0.1', broker.port);
    await eventually(
      async () => !(await session.request((opaque) => ({ kind: 'stats', item: 'transactions', opaque }))).body.toString().includes('TX:'),
      'rollback of the killed producer’s transaction',
    );
    await session.close();
    const seen = await watcher.stop();
    const counts = countByTx(seen);
    assert.deepEqual(
      [...committed].sort((a, b) => a - b),
      Array.from({ length: killTx - 1 }, (_, i) => i + 1),
    );
    assert.deepEqual(
      [...counts.keys()].sort((a, b) => a - b),
      [...committed].sort((a, b) => a - b),
      `visible transactions are exactly the committed ones (killed in tx ${killTx} after ${killAfter} sends)`,
    );
    for (const [tx, count] of counts) assert.equal(count, SIZE, `transaction ${tx} is whole`);
    assert.equal(interleaving(seen), undefined);
    await client.close();
    await broker.kill('SIGTERM');
  });

  it('broker killed with -9 mid-transaction and restarted: acked commits whole, open ones gone, the in-doubt one all or nothing, a prepared XA branch still prepared', async () => {
    const dir = tempDir('k9b');
    const config = writeConfig(dir, { dataPath: `${dir}/data`, numPartitions: 2, unflushThreshold: 0 }, { k9: {} });
    const broker = await startBrokerProcess(config);
    let client = new MetaqClient({ serverUrl: `meta://127.0.0.1:${broker.port}`, partitions: { k9: 2 } });
    const watcher = watchTopic('k9', 2, client);
    const prepared = xaKey('k9-prepared');
    const xa = await WireSession.open('127.0.0.1', broker.port);
    await txCommand(xa, prepared, 'BEGIN');
    await txPut(xa, prepared, 'k9', 0, 'xa-m1');
    assert.equal((await txCommand(xa, prepared, 'PREPARE')).text, '0');
    await xa.close();

    const killAfterCommits = 3 + Math.floor(Math.random() * 10);
    const acked = new Set<number>();
    const producer = client.producer({ sendTimeoutMs: 2000 });
    let inDoubt: number | undefined;
    let killed: Promise<unknown> | undefined;
    for (let tx = 1; tx <= 200 && killed === undefined; tx += 1) {
      producer.beginTransaction();
      try {
        for (let n = 1; n <= SIZE; n += 1) {
          await producer.send({ topic: 'k9', data: `t${tx}-m${n}` });
          if (acked.size === killAfterCommits && n === 3) killed = broker.kill('SIGKILL'); // mid-transaction
        }
        inDoubt = tx;
        await producer.commit();
        inDoubt = undefined;
        acked.add(tx);
      } catch {
        if (producer.inTransaction) await producer.rollback().catch(() => undefined);
        break;
      }
    }
    await (killed ?? broker.kill('SIGKILL'));
    const restarted = await startBrokerProcess(config);
    await client.close();
    client = new MetaqClient({ serverUrl: `meta://127.0.0.1:${restarted.port}`, partitions: { k9: 2 } });
    watcher.use(client);

    const session = await WireSession.open('127.0.0.1', restarted.port);
    assert.deepEqual(await txCommand(session, 'null', 'RECOVER'), { code: 200, text: prepared }, 'the prepared branch survived kill -9');
    assert.doesNotMatch(
      (await session.request((opaque) => ({ kind: 'stats', item: 'transactions', opaque }))).body.toString(),
      /TX:/,
      'open local transactions were rolled back',
    );
    assert.deepEqual(await txCommand(session, prepared, 'COMMIT_TWO_PHASE'), { code: 200, text: '0' });
    await session.close();

    const seen = (await watcher.stop()).filter(({ data }) => data !== 'xa-m1');
    const counts = countByTx(seen);
    for (const tx of acked) assert.equal(counts.get(tx), SIZE, `acked transaction ${tx} is whole after the restart`);
    for (const [tx, count] of counts) {
      assert.ok(acked.has(tx) || tx === inDoubt, `transaction ${tx} is visible but was never committed`);
      assert.equal(count, SIZE, `transaction ${tx} is whole, never partial`);
    }
    assert.equal(interleaving(seen), undefined);
    await client.close();
    await restarted.kill('SIGTERM');
  });
});
