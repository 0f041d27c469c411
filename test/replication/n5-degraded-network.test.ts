import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FaultProxy } from '../support/fault-proxy.js';
import { eventually } from '../support/eventually.js';
import { checkHistory, isClean, summarize } from '../support/history-checker.js';
import type { ReplicaCluster } from '../support/replica-cluster.js';
import { replicationStatus, scanBroker, startReplicaCluster } from '../support/replica-cluster.js';
import { replicaLoad } from '../support/replica-load.js';

const TOPIC = 'n5';
const PARTITIONS = 2;
const DEGRADED = { minDelayMs: 50, maxDelayMs: 200, resetRate: 0.05 };

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;
}

describe('N5: delay and resets between master, slave and clients', { timeout: 180_000 }, () => {
  let cluster: ReplicaCluster;
  let clientProxy: FaultProxy;
  before(async () => {
    cluster = await startReplicaCluster({ topic: TOPIC, partitions: PARTITIONS, via: 'proxy', sendToSlaveTimeoutMs: 2000 });
    clientProxy = await FaultProxy.start({ host: '127.0.0.1', port: cluster.master.port });
  });
  after(async () => {
    await clientProxy.close();
    await cluster.close();
  });

  it('the checker passes and the copies agree; latency is reported', async (t) => {
    clientProxy.degrade(DEGRADED);
    cluster.link.proxy!.degrade(DEGRADED);
    const started = performance.now();
    const load = replicaLoad(`meta://127.0.0.1:${clientProxy.port}`, TOPIC, PARTITIONS, { producers: 4, perProducer: 40, retries: 5, sendTimeoutMs: 5000 });
    const history = await load.done;
    const seconds = (performance.now() - started) / 1000;
    clientProxy.heal();
    cluster.link.proxy!.heal();
    t.diagnostic(
      `degraded: ${history.acked.length} acked, ${history.failed} failed attempts in ${seconds.toFixed(1)} s (${(history.acked.length / seconds).toFixed(1)} puts/s); latency p50 ${percentile(history.latenciesMs, 50).toFixed(0)} ms, p99 ${percentile(history.latenciesMs, 99).toFixed(0)} ms; resets client ${clientProxy.resets}, replication ${cluster.link.proxy!.resets}`,
    );
    assert.ok(history.acked.length > 0, 'some puts got through');
    await eventually(async () => {
      const [onMaster, onSlave] = [await scanBroker(cluster.masterUrl, TOPIC, PARTITIONS), await scanBroker(cluster.slaveUrl, TOPIC, PARTITIONS)];
      return JSON.stringify(onMaster) === JSON.stringify(onSlave);
    }, "the slave holding exactly the master's records").catch(async (error: unknown) => {
      const status = [...(await replicationStatus(cluster.masterUrl))].map(([key, value]) => `${key} ${value}`);
      throw new Error(
        `${(error as Error).message}; master: ${status.join(' | ')}; logs: ${JSON.stringify(cluster.master.logs.filter((l) => l.component === 'replication').slice(-5))}`,
      );
    });
    const onSlave = await scanBroker(cluster.slaveUrl, TOPIC, PARTITIONS);
    const verdict = checkHistory(history.acked, onSlave, { attempted: history.attempted, retried: history.retried });
    assert.ok(isClean(verdict), summarize(verdict));
  });
});
