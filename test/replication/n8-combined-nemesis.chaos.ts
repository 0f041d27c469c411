import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MetaqClient } from '../../src/client/index.js';
import { FaultProxy } from '../support/fault-proxy.js';
import { eventually } from '../support/eventually.js';
import { checkHistory, isClean, summarize } from '../support/history-checker.js';
import type { ReplicaCluster } from '../support/replica-cluster.js';
import { replicationStatus, scanBroker, startReplicaCluster } from '../support/replica-cluster.js';
import { replicaLoad } from '../support/replica-load.js';

const TOPIC = 'n8';
const PARTITIONS = 2;
/**
 * Nemesis time: `npm run chaos` gives the matrix's 5 minutes (`N8_SECONDS` to change it). Not part
 * of `npm test` until full runs have passed repeatedly (RELIABILITY.md).
 */
const SECONDS = Number(process.env.N8_SECONDS ?? 300);

type Fault = 'kill' | 'pause' | 'partition' | 'degrade';

const hold = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const between = (min: number, max: number): number => min + Math.floor(Math.random() * (max - min));

describe('N8: combined nemesis (kill -9, pause, partition, delay) under load', { timeout: (SECONDS + 150) * 1000 }, () => {
  let cluster: ReplicaCluster;
  let clientProxy: FaultProxy;
  before(async () => {
    cluster = await startReplicaCluster({ topic: TOPIC, partitions: PARTITIONS, via: 'proxy', sendToSlaveTimeoutMs: 1000, sessionTimeoutMs: 4000 });
    clientProxy = await FaultProxy.start({ host: '127.0.0.1', port: cluster.master.port });
  });
  after(async () => {
    await clientProxy.close();
    await cluster.close();
  });

  it('after random faults and a final heal: nothing acked is lost, the copies agree, order is kept, and puts are served again', async (t) => {
    const load = replicaLoad(`meta://127.0.0.1:${clientProxy.port}`, TOPIC, PARTITIONS, { producers: 4, perProducer: Number.MAX_SAFE_INTEGER, retries: 3, sendTimeoutMs: 3000 });
    const applied: string[] = [];
    const until = performance.now() + SECONDS * 1000;
    // The nemesis: one fault at a time, each healed after 1–5 s, with load throughout.
    while (performance.now() < until) {
      const fault = (['kill', 'pause', 'partition', 'degrade'] as const)[between(0, 4)] as Fault;
      const heldMs = between(1000, 5000);
      applied.push(`${fault} ${heldMs} ms`);
      if (fault === 'kill') {
        await cluster.master.kill('SIGKILL');
        await hold(heldMs);
        await cluster.restartMaster();
      } else if (fault === 'pause') {
        cluster.master.child.kill('SIGSTOP');
        await hold(heldMs);
        cluster.master.child.kill('SIGCONT');
      } else if (fault === 'partition') {
        cluster.link.cut();
        await hold(heldMs);
        cluster.link.heal();
      } else {
        const degradation = { minDelayMs: 50, maxDelayMs: 200, resetRate: 0.05 };
        clientProxy.degrade(degradation);
        cluster.link.proxy!.degrade(degradation);
        await hold(heldMs);
        clientProxy.heal();
        cluster.link.proxy!.heal();
      }
      await hold(between(500, 1500));
    }

    // Everything healed: the cluster takes puts again within a bound, then the load drains.
    const healedAt = performance.now();
    const probe = new MetaqClient({ serverUrl: `meta://127.0.0.1:${clientProxy.port}`, partitions: { [TOPIC]: PARTITIONS } });
    const probes: string[] = [];
    await eventually(() => {
      probes.push(`probe:${probes.length}`); // each attempt its own payload: a timed-out one may still be stored
      return probe.producer().send({ topic: TOPIC, data: probes.at(-1)! }, { timeoutMs: 2000 }).then(() => true, () => false);
    }, 'a put acked after the final heal');
    const availableAfterMs = performance.now() - healedAt;
    await probe.close();
    const history = await load.stop();
    t.diagnostic(`faults: ${applied.join(', ')}; ${history.acked.length} acked, ${history.failed} failed attempts; available ${availableAfterMs.toFixed(0)} ms after the final heal`);
    assert.ok(history.acked.length > 0, 'some puts got through');

    await eventually(async () => JSON.stringify(await scanBroker(cluster.masterUrl, TOPIC, PARTITIONS)) === JSON.stringify(await scanBroker(cluster.slaveUrl, TOPIC, PARTITIONS)), 'the slave holding exactly the master\'s records').catch(async (error: unknown) => {
      const [onMaster, onSlave] = [await scanBroker(cluster.masterUrl, TOPIC, PARTITIONS), await scanBroker(cluster.slaveUrl, TOPIC, PARTITIONS)];
      const ends = (records: typeof onMaster) => Array.from({ length: PARTITIONS }, (_, p) => Math.max(0, ...records.filter((r) => r.partition === p).map((r) => r.offset + r.size)));
      const firstDifference = onMaster.findIndex((record, i) => JSON.stringify(record) !== JSON.stringify(onSlave[i]));
      const status = [...(await replicationStatus(cluster.masterUrl))].map(([key, value]) => `${key} ${value}`);
      const where = (payload: string | undefined) => `${payload}: master ${JSON.stringify(onMaster.filter((r) => r.payload === payload).map((r) => r.offset))} slave ${JSON.stringify(onSlave.filter((r) => r.payload === payload).map((r) => r.offset))} acked ${JSON.stringify(history.acked.filter((a) => a.payload === payload))}`;
      const logs = cluster.master.logs.filter((line) => line.component === 'replication' || line.level === 50).slice(-12).map((line) => JSON.stringify(line)).join('\n');
      const slaveLogs = cluster.slave.logs.filter((line) => (line.level as number) >= 40).slice(-12).map((line) => JSON.stringify(line)).join('\n');
      t.diagnostic(`${where(onMaster[firstDifference]?.payload)}\n${where(onSlave[firstDifference]?.payload)}\nmaster logs:\n${logs}\nslave logs:\n${slaveLogs}`);
      throw new Error(`${(error as Error).message}: master ends ${ends(onMaster).join(',')}, slave ends ${ends(onSlave).join(',')}, first difference at record ${firstDifference} (${JSON.stringify(onMaster[firstDifference])} vs ${JSON.stringify(onSlave[firstDifference])}); master replication: ${status.join(' | ')}`);
    });
    const attempted = new Set([...history.attempted, ...probes]);
    for (const [name, url] of [['master', cluster.masterUrl], ['slave', cluster.slaveUrl]] as const) {
      const verdict = checkHistory(history.acked, await scanBroker(url, TOPIC, PARTITIONS), { attempted, retried: history.retried });
      assert.ok(isClean(verdict), `${name}: ${summarize(verdict)}`);
    }
  });
});
