import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../support/eventually.js';
import { checkHistory, isClean, summarize } from '../support/history-checker.js';
import type { ReplicaCluster } from '../support/replica-cluster.js';
import { preferredVia, replicationStatus, scanBroker, startReplicaCluster } from '../support/replica-cluster.js';
import { replicaLoad } from '../support/replica-load.js';

const TOPIC = 'n2';
const PARTITIONS = 2;
const via = preferredVia();

describe(`N2: master and slave cut apart (${via === 'netns' ? 'network namespaces' : 'TCP proxy'})`, { timeout: 180_000 }, () => {
  let cluster: ReplicaCluster;
  before(async () => {
    cluster = await startReplicaCluster({ topic: TOPIC, partitions: PARTITIONS, via, sendToSlaveTimeoutMs: 500, failureThreshold: 1_000_000 });
  });
  after(async () => cluster.close());

  it('puts fail while cut, none is acked by the master alone, and the slave catches up afterwards', async () => {
    const load = replicaLoad(cluster.masterUrl, TOPIC, PARTITIONS, { producers: 3, perProducer: 100_000, sendTimeoutMs: 5000 });
    try {
      await eventually(() => load.history.acked.length >= 300, '300 acked puts before the cut');
      cluster.link.cut();
      try {
        await eventually(() => load.history.failed >= 10, 'puts failing once the slave is cut off');
        const ackedDuringCut = load.history.acked.length;
        const failedBefore = load.history.failed;
        await eventually(() => load.history.failed >= failedBefore + 20, '20 more failed puts');
        assert.equal(load.history.acked.length, ackedDuringCut, 'no put is acked while the slave is unreachable');
      } finally {
        cluster.link.heal();
      }
      const ackedAtHeal = load.history.acked.length;
      await eventually(() => load.history.acked.length >= ackedAtHeal + 100, 'puts acked again after healing');
    } finally {
      await load.stop();
    }
    // The slave catches up with everything the master stored, acked or not.
    await eventually(async () => [...(await replicationStatus(cluster.masterUrl)).values()].filter((line) => /^state live .* lag_bytes 0$/.test(line)).length === PARTITIONS, 'the slave caught up on every partition');
    const [onMaster, onSlave] = [await scanBroker(cluster.masterUrl, TOPIC, PARTITIONS), await scanBroker(cluster.slaveUrl, TOPIC, PARTITIONS)];
    assert.deepEqual(onSlave, onMaster, 'divergence 0: the same records at the same offsets');
    const verdict = checkHistory(load.history.acked, onSlave, { attempted: load.history.attempted, retried: load.history.retried });
    assert.ok(isClean(verdict), summarize(verdict));
  });
});
