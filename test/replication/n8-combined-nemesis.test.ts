import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MetaqClient } from '../../src/client/index.js';
import { FaultProxy } from '../support/fault-proxy.js';
import { eventually } from '../support/eventually.js';
import { checkHistory, isClean, summarize } from '../support/history-checker.js';
import type { ReplicaCluster } from '../support/replica-cluster.js';
import { scanBroker, startReplicaCluster } from '../support/replica-cluster.js';
import { replicaLoad } from '../support/replica-load.js';

const TOPIC = 'n8';
const PARTITIONS = 2;
/** Nemesis time: 45 s in `npm test`; `N8_SECONDS=300 npm run chaos` for the matrix's 3–5 minutes. */
const SECONDS = Number(process.env.N8_SECONDS ?? 45);

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
    await eventually(() => probe.producer().send({ topic: TOPIC, data: 'probe' }, { timeoutMs: 2000 }).then(() => true, () => false), 'a put acked after the final heal');
    const availableAfterMs = performance.now() - healedAt;
    await probe.close();
    const history = await load.stop();
    t.diagnostic(`faults: ${applied.join(', ')}; ${history.acked.length} acked, ${history.failed} failed attempts; available ${availableAfterMs.toFixed(0)} ms after the final heal`);
    assert.ok(history.acked.length > 0, 'some puts got through');

    await eventually(async () => JSON.stringify(await scanBroker(cluster.masterUrl, TOPIC, PARTITIONS)) === JSON.stringify(await scanBroker(cluster.slaveUrl, TOPIC, PARTITIONS)), 'the slave holding exactly the master\'s records');
    const attempted = new Set([...history.attempted, 'probe']);
    for (const [name, url] of [['master', cluster.masterUrl], ['slave', cluster.slaveUrl]] as const) {
      const verdict = checkHistory(history.acked, (await scanBroker(url, TOPIC, PARTITIONS)).filter((r) => r.payload !== 'probe'), { attempted, retried: history.retried });
      assert.ok(isClean(verdict), `${name}: ${summarize(verdict)}`);
    }
  });
});
