import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { MetaqClient } from '../../src/client/index.js';
import { FaultProxy } from '../support/fault-proxy.js';
import { eventually } from '../support/eventually.js';
import type { Verdict } from '../support/history-checker.js';
import { checkHistory, isClean, summarize } from '../support/history-checker.js';
import type { ReplicaCluster } from '../support/replica-cluster.js';
import { preferredVia, replicationStatus, scanBroker, startReplicaCluster } from '../support/replica-cluster.js';
import { replicaLoad } from '../support/replica-load.js';

const TOPIC = 'n8';
const PARTITIONS = 2;
/**
 * Nemesis time: `npm run chaos` gives 5 minutes (`N8_SECONDS` to change it). Not part
 * of `npm test` until full runs have passed repeatedly (RELIABILITY.md).
 */
const SECONDS = Number(process.env.N8_SECONDS ?? 300);
/** The negative control's nemesis time: enough for a few kills. */
const CONTROL_SECONDS = Number(process.env.N8_CONTROL_SECONDS ?? 40);

/**
 * Master, slave and ZooKeeper in their own network namespaces where the machine allows it: a
 * partition is then blackhole routes between master and slave. Delay and resets come from the
 * proxy clients reach the master through (this kernel has no netem), and, without namespaces,
 * from the proxy on the replication link too.
 */
const via = preferredVia();

type Fault = 'kill' | 'pause' | 'partition' | 'degrade';

const hold = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const between = (min: number, max: number): number => min + Math.floor(Math.random() * (max - min));

/** What one nemesis run ended with: the checker's verdict on each copy, and whether the copies agree. */
interface NemesisOutcome {
  faults: string[];
  acked: number;
  failedAttempts: number;
  /** Milliseconds from the final heal to the first acked put, or undefined if none was acked within the bound. */
  availableAfterMs: number | undefined;
  copiesAgree: boolean;
  differences: string;
  master: Verdict;
  slave: Verdict;
}

/**
 * Random faults, one at a time, each healed after 5–20 s (N8 in docs/testing.md), with load throughout;
 * then heal everything, probe for availability, drain, and check both copies.
 */
async function combinedNemesis(
  cluster: ReplicaCluster,
  clientProxy: FaultProxy,
  seconds: number,
  kinds: readonly Fault[] = ['kill', 'pause', 'partition', 'degrade'],
): Promise<NemesisOutcome> {
  const load = replicaLoad(`meta://127.0.0.1:${clientProxy.port}`, TOPIC, PARTITIONS, {
    producers: 4,
    perProducer: Number.MAX_SAFE_INTEGER,
    retries: 3,
    sendTimeoutMs: 3000,
  });
  const faults: string[] = [];
  const until = performance.now() + seconds * 1000;
  while (performance.now() < until) {
    await hold(between(500, 1500)); // load between faults
    const fault = kinds[between(0, kinds.length)] ?? 'kill';
    const heldMs = Math.min(between(5000, 20_000), Math.max(1000, until - performance.now()));
    faults.push(`${fault} ${(heldMs / 1000).toFixed(1)} s`);
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
      cluster.link.proxy?.degrade(degradation);
      await hold(heldMs);
      clientProxy.heal();
      cluster.link.proxy?.heal();
    }
  }

  // Everything healed: the cluster takes puts again within a bound, then the load drains.
  const healedAt = performance.now();
  const probe = new MetaqClient({ serverUrl: `meta://127.0.0.1:${clientProxy.port}`, partitions: { [TOPIC]: PARTITIONS } });
  const probes: string[] = [];
  const available = await eventually(() => {
    probes.push(`probe:${probes.length}`); // each attempt its own payload: a timed-out one may still be stored
    return probe
      .producer()
      .send({ topic: TOPIC, data: probes.at(-1)! }, { timeoutMs: 2000 })
      .then(
        () => true,
        () => false,
      );
  }, 'a put acked after the final heal').then(
    () => performance.now() - healedAt,
    () => undefined,
  );
  await probe.close();
  const history = await load.stop();

  const copiesAgree = await eventually(
    async () =>
      JSON.stringify(await scanBroker(cluster.masterUrl, TOPIC, PARTITIONS)) === JSON.stringify(await scanBroker(cluster.slaveUrl, TOPIC, PARTITIONS)),
    "the slave holding exactly the master's records",
  ).then(
    () => true,
    () => false,
  );
  const [onMaster, onSlave] = [await scanBroker(cluster.masterUrl, TOPIC, PARTITIONS), await scanBroker(cluster.slaveUrl, TOPIC, PARTITIONS)];
  let differences = '';
  if (!copiesAgree) {
    const ends = (records: typeof onMaster) =>
      Array.from({ length: PARTITIONS }, (_, p) => Math.max(0, ...records.filter((r) => r.partition === p).map((r) => r.offset + r.size)));
    const firstDifference = onMaster.findIndex((record, i) => JSON.stringify(record) !== JSON.stringify(onSlave[i]));
    const status = [...(await replicationStatus(cluster.masterUrl))].map(([key, value]) => `${key} ${value}`);
    differences = `master ends ${ends(onMaster).join(',')}, slave ends ${ends(onSlave).join(',')}, first difference at record ${firstDifference} (${JSON.stringify(onMaster[firstDifference])} vs ${JSON.stringify(onSlave[firstDifference])}); master replication: ${status.join(' | ')}`;
  }
  const attempted = new Set([...history.attempted, ...probes]);
  return {
    faults,
    acked: history.acked.length,
    failedAttempts: history.failed,
    availableAfterMs: available,
    copiesAgree,
    differences,
    master: checkHistory(history.acked, onMaster, { attempted, retried: history.retried }),
    slave: checkHistory(history.acked, onSlave, { attempted, retried: history.retried }),
  };
}

function report(t: { diagnostic(message: string): void }, outcome: NemesisOutcome): void {
  const available =
    outcome.availableAfterMs === undefined
      ? 'no put acked within 15 s of the final heal'
      : `available ${outcome.availableAfterMs.toFixed(0)} ms after the final heal`;
  t.diagnostic(
    `faults: ${outcome.faults.join(', ')}; ${outcome.acked} acked, ${outcome.failedAttempts} failed attempts; ${available}; copies ${outcome.copiesAgree ? 'agree' : `differ: ${outcome.differences}`}; master ${summarize(outcome.master)}; slave ${summarize(outcome.slave)}`,
  );
}

describe(
  `N8: combined nemesis (kill -9, pause, partition, delay) under load (${via === 'netns' ? 'network namespaces' : 'TCP proxies'})`,
  { timeout: (SECONDS + CONTROL_SECONDS + 300) * 1000 },
  () => {
    const started: Array<{ cluster: ReplicaCluster; clientProxy: FaultProxy }> = [];
    const start = async (brokenMaster: boolean) => {
      const cluster = await startReplicaCluster({
        topic: TOPIC,
        partitions: PARTITIONS,
        via,
        sendToSlaveTimeoutMs: 1000,
        sessionTimeoutMs: 4000,
        brokenMaster,
      });
      const clientProxy = await FaultProxy.start({ host: new URL(cluster.masterUrl).hostname, port: cluster.master.port });
      started.push({ cluster, clientProxy });
      return { cluster, clientProxy };
    };
    after(async () => {
      for (const { cluster, clientProxy } of started) {
        await clientProxy.close();
        await cluster.close();
      }
    });

    it('after random faults and a final heal: nothing acked is lost, the copies agree, order is kept, and puts are served again', async (t) => {
      const { cluster, clientProxy } = await start(false);
      const outcome = await combinedNemesis(cluster, clientProxy, SECONDS);
      report(t, outcome);
      assert.ok(outcome.acked > 0, 'some puts got through');
      assert.ok(outcome.availableAfterMs !== undefined, 'a put was acked within 15 s of the final heal');
      assert.ok(outcome.copiesAgree, `the slave holds exactly the master's records: ${outcome.differences}`);
      assert.ok(isClean(outcome.master), `master: ${summarize(outcome.master)}`);
      assert.ok(isClean(outcome.slave), `slave: ${summarize(outcome.slave)}`);
    });

    it('negative control: kill -9 of a master acking before fsync, losing its unsynced writes, is caught', async (t) => {
      const { cluster, clientProxy } = await start(true);
      const outcome = await combinedNemesis(cluster, clientProxy, CONTROL_SECONDS, ['kill']);
      report(t, outcome);
      assert.ok(
        outcome.master.lost.length > 0 || outcome.master.divergent.length > 0 || !outcome.copiesAgree,
        'the checker must see the master lose acked puts, or the copies part',
      );
    });
  },
);
