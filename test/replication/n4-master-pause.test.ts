import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MetaqClient, ZkSession } from '../../src/client/index.js';
import { eventually } from '../support/eventually.js';
import { checkHistory, isClean, summarize } from '../support/history-checker.js';
import type { ReplicaCluster } from '../support/replica-cluster.js';
import { preferredVia, scanBroker, startReplicaCluster } from '../support/replica-cluster.js';
import { replicaLoad } from '../support/replica-load.js';

const TOPIC = 'n4';
const PARTITIONS = 2;
const SESSION_MS = 2000;

describe('N4: the master paused past its session timeout (zombie master)', { timeout: 180_000 }, () => {
  let cluster: ReplicaCluster;
  let zk: ZkSession;
  before(async () => {
    cluster = await startReplicaCluster({ topic: TOPIC, partitions: PARTITIONS, via: preferredVia(), autoPromote: true, sessionTimeoutMs: SESSION_MS });
    zk = await ZkSession.open({ connect: cluster.zookeeper.connect, sessionTimeoutMs: 4000, connectionTimeoutMs: 10_000 });
  });
  after(async () => {
    await zk.close();
    await cluster.close();
  });

  it('acks nothing after waking; every put it did ack is on the promoted slave', async () => {
    const master = `/meta/brokers/ids/${cluster.brokerId}/master`;
    await eventually(async () => (await zk.getData(master)) === cluster.masterUrl, 'the master registered');
    const load = replicaLoad(cluster.masterUrl, TOPIC, PARTITIONS, { producers: 3, perProducer: 100_000, sendTimeoutMs: 3 * SESSION_MS });
    let lateAcks = 0;
    try {
      await eventually(() => load.history.acked.length >= 200, '200 acked puts');
      cluster.master.child.kill('SIGSTOP');
      try {
        // Past the session timeout the slave takes over (autoPromote), while the master sleeps.
        await eventually(async () => (await zk.getData(master)) === cluster.slaveUrl, 'the slave promoted while the master is paused');
      } finally {
        cluster.master.child.kill('SIGCONT');
      }
      // Puts sent to the woken master are refused: it knows its session is gone before acking.
      const late = new MetaqClient({ serverUrl: cluster.masterUrl, partitions: { [TOPIC]: PARTITIONS } });
      for (let i = 0; i < 20; i += 1)
        await late
          .producer()
          .send({ topic: TOPIC, data: `late:${i}` })
          .then(
            () => (lateAcks += 1),
            () => undefined,
          );
      await late.close();
    } finally {
      await load.stop();
    }
    assert.equal(lateAcks, 0, 'the woken master acked nothing');
    await eventually(() => cluster.master.logs.some((line) => line.msg === 'replaced as master: refusing puts'), 'the old master noticing it was replaced');
    const onSlave = await scanBroker(cluster.slaveUrl, TOPIC, PARTITIONS);
    const attempted = new Set([...load.history.attempted, ...Array.from({ length: 20 }, (_, i) => `late:${i}`)]);
    const verdict = checkHistory(load.history.acked, onSlave, { attempted });
    assert.ok(isClean(verdict), `every ack the old master gave is on the new master: ${summarize(verdict)}`);
  });
});
