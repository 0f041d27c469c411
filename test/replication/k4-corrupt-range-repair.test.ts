import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../support/eventually.js';
import { checkHistory, isClean, summarize } from '../support/history-checker.js';
import type { ReplicaCluster } from '../support/replica-cluster.js';
import { scanBroker, startReplicaCluster } from '../support/replica-cluster.js';
import { replicaLoad } from '../support/replica-load.js';
import { get, WireSession } from '../support/wire-client.js';

const TOPIC = 'k4';

describe('K4 with a sync slave: a damaged range of the master is put back from the slave', { timeout: 120_000 }, () => {
  let cluster: ReplicaCluster;
  before(async () => {
    cluster = await startReplicaCluster({ topic: TOPIC, partitions: 1, via: 'proxy', system: { maxSegmentSize: 4096 } });
  });
  after(async () => cluster.close());

  it("the first read of the flipped bit is refused, the master fetches the slave's copy, and then serves every acked message, byte-identical to the slave", async () => {
    const load = replicaLoad(cluster.masterUrl, TOPIC, 1, { producers: 2, perProducer: 300 });
    const history = await load.done;
    assert.equal(history.acked.length, 600);
    await cluster.master.kill('SIGTERM');

    // One bit of a message in the master's first, sealed, segment.
    const partitionDir = join(cluster.masterData, `${TOPIC}-0`);
    const first = join(
      partitionDir,
      readdirSync(partitionDir)
        .filter((name) => name.endsWith('.meta'))
        .sort()[0]!,
    );
    const damaged = history.acked.filter((write) => write.offset < 2048).at(-1)!;
    const original = readFileSync(first);
    const bytes = Buffer.from(original);
    bytes[damaged.offset + 20 + 3]! ^= 0x01;
    writeFileSync(first, bytes);

    const master = await cluster.restartMaster();
    const session = await WireSession.open('127.0.0.1', master.port);
    try {
      await eventually(async () => (await get(session, TOPIC, 0, damaged.offset)).code === 0, 'the damaged message served again');
    } finally {
      await session.close();
    }
    assert.ok(
      master.logs.some((line) => line.msg === 'records fail their checksum; range refused'),
      `the damage was detected: ${master.logs
        .filter((l) => (l.level as number) >= 40)
        .map((l) => JSON.stringify(l))
        .join('\n')}`,
    );
    assert.ok(
      master.logs.some((line) => line.msg === 'corrupt range repaired from the sync slave'),
      'and repaired from the slave',
    );
    const [onMaster, onSlave] = [await scanBroker(cluster.masterUrl, TOPIC, 1), await scanBroker(cluster.slaveUrl, TOPIC, 1)];
    assert.deepEqual(onMaster, onSlave, 'the copies are identical again');
    const verdict = checkHistory(history.acked, onMaster, { attempted: history.attempted, retried: history.retried });
    assert.ok(isClean(verdict), summarize(verdict));
    assert.ok(readFileSync(first).equals(original), 'the segment file holds its original bytes again');
  });

  it('damage found by recovery in the active segment is repaired at start, before any read', async () => {
    await cluster.master.kill('SIGTERM');
    const partitionDir = join(cluster.masterData, `${TOPIC}-0`);
    const last = join(
      partitionDir,
      readdirSync(partitionDir)
        .filter((name) => name.endsWith('.meta'))
        .sort()
        .at(-1)!,
    );
    const original = readFileSync(last);
    const bytes = Buffer.from(original);
    bytes[20 + 2]! ^= 0x01; // the first message's payload: fsynced, before the recovery point
    writeFileSync(last, bytes);
    const master = await cluster.restartMaster();
    await eventually(() => master.logs.some((line) => line.msg === 'corrupt range repaired from the sync slave'), 'the repair at start');
    assert.ok(master.logs.some((line) => line.msg === 'corruption before the flushed end: range refused, not truncated'));
    assert.ok(readFileSync(last).equals(original), 'the active segment holds its original bytes again');
    assert.deepEqual(await scanBroker(cluster.masterUrl, TOPIC, 1), await scanBroker(cluster.slaveUrl, TOPIC, 1));
  });
});
