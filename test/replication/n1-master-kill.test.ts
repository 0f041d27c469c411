import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promoteSyncSlave } from '../../src/broker/replication/failover.js';
import { ACK_BEFORE_SLAVE_FAULT } from '../../src/broker/replication/sync-master.js';
import { MetaqClient, ZkSession } from '../../src/client/index.js';
import { MetaZnodes } from '../../src/coordination/zk/znodes.js';
import { BrokerConnection } from '../../src/client/transport/broker-connection.js';
import { parseBrokerUrl } from '../../src/client/transport/broker-address.js';
import { NodeFileIO } from '../../src/storage/io/node-file-io.js';
import { PartitionLog } from '../../src/storage/partition-log.js';
import { eventually } from '../support/eventually.js';
import type { Verdict } from '../support/history-checker.js';
import { checkHistory, isClean, summarize } from '../support/history-checker.js';
import type { ReplicaCluster } from '../support/replica-cluster.js';
import { preferredVia, scanBroker, startReplicaCluster } from '../support/replica-cluster.js';
import { replicaLoad } from '../support/replica-load.js';
import { logBytes } from '../support/replica-pair.js';
import { silentLogger } from '../support/storage-harness.js';

const TOPIC = 'n1';
const PARTITIONS = 2;
const via = preferredVia();

/**
 * Under load, cut the master off from its slave, wait until the master has noticed (puts fail),
 * kill -9 the master and read the slave's copy while the link is still down (so nothing the dead
 * master's kernel still holds can reach it): every put acked before the kill must be on the
 * slave. This is the moment a master that acks before its slave confirms loses acked puts.
 */
async function killWhileCutOff(options: { ackBeforeSlave: boolean }): Promise<{ verdict: Verdict; ackedAfterCut: number }> {
  const cluster = await startReplicaCluster({
    topic: TOPIC,
    partitions: PARTITIONS,
    via,
    ackBeforeSlave: options.ackBeforeSlave,
    sendToSlaveTimeoutMs: 500,
    failureThreshold: 1_000_000,
  });
  try {
    const load = replicaLoad(cluster.masterUrl, TOPIC, PARTITIONS, { producers: 3, perProducer: 100_000, sendTimeoutMs: 5000 });
    let ackedAtCut = 0;
    try {
      await eventually(() => load.history.acked.length >= 300, '300 acked puts before the cut');
      ackedAtCut = load.history.acked.length;
      cluster.link.cut();
      await eventually(() => load.history.failed >= 5, 'puts failing once the slave is cut off');
      await cluster.master.kill('SIGKILL');
    } finally {
      await load.stop(); // a failed wait must not leave producers retrying against a closed cluster
    }
    const history = load.history;
    const onSlave = await scanBroker(cluster.slaveUrl, TOPIC, PARTITIONS);
    return { verdict: checkHistory(history.acked, onSlave, { attempted: history.attempted }), ackedAfterCut: history.acked.length - ackedAtCut };
  } finally {
    await cluster.close();
  }
}

/** A kill -9 at a random moment under load; then the slave's copy is checked, compared byte for byte and promoted. */
async function killAtRandom(cluster: ReplicaCluster): Promise<void> {
  const load = replicaLoad(cluster.masterUrl, TOPIC, PARTITIONS, { producers: 4, perProducer: 2500 });
  // Within eventually's 15 s even on a loaded machine (about 300 acks a second at worst seen).
  const killAt = 500 + Math.floor(Math.random() * 3000);
  try {
    await eventually(() => load.history.acked.length >= killAt || load.history.acked.length + load.history.failed >= 10_000, `${killAt} acked puts`);
    await cluster.master.kill('SIGKILL');
  } finally {
    await load.stop(); // a failed wait must not leave producers retrying against a closed cluster
  }
  const history = load.history;
  assert.ok(history.acked.length >= killAt);

  const onSlave = await scanBroker(cluster.slaveUrl, TOPIC, PARTITIONS);
  const verdict = checkHistory(history.acked, onSlave, { attempted: history.attempted });
  assert.ok(isClean(verdict), `slave copy: ${summarize(verdict)}`);

  // The dead master's files and the slave's copy agree wherever both have data.
  for (let p = 0; p < PARTITIONS; p += 1) {
    const log = await PartitionLog.open({
      dir: join(cluster.masterData, `${TOPIC}-${p}`),
      io: new NodeFileIO(),
      logger: silentLogger,
      unflushThreshold: 0,
      unflushInterval: 0,
      maxSegmentSize: 1024 * 1024 * 1024,
    });
    const master = await logBytes(log);
    await log.close();
    const slaveEnd = Math.max(0, ...onSlave.filter((r) => r.partition === p).map((r) => r.offset + r.size));
    const common = Math.min(master.bytes.length, slaveEnd);
    const slaveLog = await scanRaw(cluster.slaveUrl, p, common);
    assert.ok(master.bytes.subarray(0, common).equals(slaveLog), `partition ${p}: the first ${common} bytes are identical on both`);
  }

  // Failover: once the dead master's session expired, promote the slave; it acks and serves the same offsets.
  const zk = await ZkSession.open({ connect: cluster.zookeeper.connect, sessionTimeoutMs: 4000, connectionTimeoutMs: 10_000 });
  try {
    await eventually(async () => (await zk.getData(`/meta/brokers/ids/${cluster.brokerId}/master`)) === undefined, "the dead master's session expiring");
    const record = await promoteSyncSlave(zk, new MetaZnodes(), cluster.brokerId);
    assert.equal(record.master, cluster.slaveUrl);
    const client = new MetaqClient({ serverUrl: cluster.slaveUrl, partitions: { [TOPIC]: PARTITIONS } });
    await client.producer().send({ topic: TOPIC, data: 'after-failover' });
    await client.close();
    const afterFailover = await scanBroker(cluster.slaveUrl, TOPIC, PARTITIONS);
    const final = checkHistory(history.acked, afterFailover, { attempted: new Set([...history.attempted, 'after-failover']) });
    assert.ok(isClean(final), `after failover: ${summarize(final)}`);
  } finally {
    await zk.close();
  }
}

describe(`N1: master kill -9 under sync replication (${via === 'netns' ? 'network namespaces' : 'TCP proxy'})`, { timeout: 180_000 }, () => {
  it('every acked message is on the slave, the copies never diverge, and the promoted slave serves them', async () => {
    const cluster = await startReplicaCluster({ topic: TOPIC, partitions: PARTITIONS, via });
    try {
      await killAtRandom(cluster);
    } finally {
      await cluster.close();
    }
  });

  it('killed while cut off from its slave: every put acked before the kill is on the slave', async () => {
    const { verdict, ackedAfterCut } = await killWhileCutOff({ ackBeforeSlave: false });
    console.log(`# N1 kill while cut off: ${ackedAfterCut} puts acked after the cut; slave copy ${summarize(verdict)}`);
    assert.ok(isClean(verdict), `slave copy: ${summarize(verdict)}`);
  });

  it(`negative control: a master that acks before its slave confirms (${ACK_BEFORE_SLAVE_FAULT}=1), killed while cut off, is caught`, async () => {
    const { verdict, ackedAfterCut } = await killWhileCutOff({ ackBeforeSlave: true });
    console.log(`# N1 control: ${ackedAfterCut} puts acked after the cut; slave copy ${summarize(verdict)}`);
    assert.ok(verdict.lost.length > 0, `the checker must report acked puts missing on the slave: ${summarize(verdict)}`);
  });
});

/** The first `length` raw bytes of a partition on a broker (records exactly as stored). */
async function scanRaw(url: string, partition: number, length: number): Promise<Buffer> {
  const connection = new BrokerConnection(parseBrokerUrl(url));
  const parts: Buffer[] = [];
  let at = 0;
  try {
    while (at < length) {
      const reply = await connection.request(
        (opaque) => ({
          kind: 'get',
          topic: TOPIC,
          group: 'n1-scan',
          partition,
          offset: at,
          maxSize: Math.min(1024 * 1024, Math.max(1024, length - at)),
          opaque,
        }),
        10_000,
        'scan',
      );
      if (reply.kind !== 'value' || reply.body.length === 0) break;
      parts.push(reply.body);
      at += reply.body.length;
    }
  } finally {
    await connection.close();
  }
  return Buffer.concat(parts).subarray(0, length);
}
