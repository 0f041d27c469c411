import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ACK_BEFORE_SLAVE_FAULT } from '../../src/broker/replication/sync-master.js';
import { eventually } from '../support/eventually.js';
import type { Verdict } from '../support/history-checker.js';
import { checkHistory, isClean, summarize } from '../support/history-checker.js';
import type { ReplicaCluster } from '../support/replica-cluster.js';
import { preferredVia, replicationStatus, scanBroker, startReplicaCluster } from '../support/replica-cluster.js';
import { replicaLoad } from '../support/replica-load.js';

const TOPIC = 'n2';
const PARTITIONS = 2;
const via = preferredVia();

type Load = ReturnType<typeof replicaLoad>;

interface CutResult {
  /** Every put acked up to a moment well inside the cut, against the slave's copy read then. */
  duringCut: Verdict;
  /** Puts acked after the link went down (a correct master can ack only those the slave confirmed before). */
  ackedAfterCut: number;
  /** Puts acked once the master had noticed (the window the test looked at before). */
  ackedOnceNoticed: number;
}

/**
 * Cut master and slave apart under load and check from the first instant of the cut: once the
 * master has noticed (puts fail) and 20 more puts failed, every put acked so far, the ones
 * acked in the cut's first second included, must already be on the slave, read from the slave
 * while the link is still down. The link is left cut.
 */
async function cutUnderLoad(cluster: ReplicaCluster, load: Load): Promise<CutResult> {
  await eventually(() => load.history.acked.length >= 300, '300 acked puts before the cut');
  const ackedAtCut = load.history.acked.length;
  cluster.link.cut();
  await eventually(() => load.history.failed >= 10, 'puts failing once the slave is cut off');
  const ackedWhenNoticed = load.history.acked.length;
  const failedBefore = load.history.failed;
  await eventually(() => load.history.failed >= failedBefore + 20, '20 more failed puts');
  const acked = [...load.history.acked];
  const onSlave = await scanBroker(cluster.slaveUrl, TOPIC, PARTITIONS);
  return {
    duringCut: checkHistory(acked, onSlave, { attempted: load.history.attempted, retried: load.history.retried }),
    ackedAfterCut: acked.length - ackedAtCut,
    ackedOnceNoticed: acked.length - ackedWhenNoticed,
  };
}

describe(`N2: master and slave cut apart (${via === 'netns' ? 'network namespaces' : 'TCP proxy'})`, { timeout: 180_000 }, () => {
  it('puts fail while cut, none is acked by the master alone from the first instant, and the slave catches up afterwards', async () => {
    const cluster = await startReplicaCluster({ topic: TOPIC, partitions: PARTITIONS, via, sendToSlaveTimeoutMs: 500, failureThreshold: 1_000_000 });
    const load = replicaLoad(cluster.masterUrl, TOPIC, PARTITIONS, { producers: 3, perProducer: 100_000, sendTimeoutMs: 5000 });
    try {
      try {
        const cut = await cutUnderLoad(cluster, load);
        console.log(
          `# N2: ${cut.ackedAfterCut} puts acked after the cut (each confirmed by the slave before it), ${cut.ackedOnceNoticed} once the master noticed; slave copy during the cut ${summarize(cut.duringCut)}`,
        );
        assert.ok(isClean(cut.duringCut), `every put acked up to the middle of the cut is on the slave: ${summarize(cut.duringCut)}`);
        assert.equal(cut.ackedOnceNoticed, 0, 'no put is acked once the master knows the slave is unreachable');
      } finally {
        cluster.link.heal();
      }
      const ackedAtHeal = load.history.acked.length;
      await eventually(() => load.history.acked.length >= ackedAtHeal + 100, 'puts acked again after healing');
      await load.stop();
      // The slave catches up with everything the master stored, acked or not.
      await eventually(
        async () => [...(await replicationStatus(cluster.masterUrl)).values()].filter((line) => /^state live .* lag_bytes 0$/.test(line)).length === PARTITIONS,
        'the slave caught up on every partition',
      );
      const [onMaster, onSlave] = [await scanBroker(cluster.masterUrl, TOPIC, PARTITIONS), await scanBroker(cluster.slaveUrl, TOPIC, PARTITIONS)];
      assert.deepEqual(onSlave, onMaster, 'divergence 0: the same records at the same offsets');
      const verdict = checkHistory(load.history.acked, onSlave, { attempted: load.history.attempted, retried: load.history.retried });
      assert.ok(isClean(verdict), summarize(verdict));
    } finally {
      await load.stop();
      await cluster.close();
    }
  });

  it(`negative control: a master that acks before its slave confirms (${ACK_BEFORE_SLAVE_FAULT}=1) is caught in the cut's first second`, async () => {
    const cluster = await startReplicaCluster({
      topic: TOPIC,
      partitions: PARTITIONS,
      via,
      sendToSlaveTimeoutMs: 500,
      failureThreshold: 1_000_000,
      ackBeforeSlave: true,
    });
    const load = replicaLoad(cluster.masterUrl, TOPIC, PARTITIONS, { producers: 3, perProducer: 100_000, sendTimeoutMs: 5000 });
    try {
      const cut = await cutUnderLoad(cluster, load);
      // It acks until it notices the cut, then refuses like a correct master: a check that starts
      // only once puts fail (ackedOnceNoticed) sees nothing wrong.
      console.log(
        `# N2 control: ${cut.ackedAfterCut} puts acked after the cut, ${cut.ackedOnceNoticed} once the master noticed; slave copy during the cut ${summarize(cut.duringCut)}`,
      );
      assert.ok(cut.duringCut.lost.length > 0, `the checker must report puts acked during the cut and missing on the slave: ${summarize(cut.duringCut)}`);
    } finally {
      await load.stop();
      await cluster.close();
    }
  });
});
