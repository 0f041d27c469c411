// Replication figures for `npm run bench`: puts with no replication, an async slave and a sync
// slave side by side, and the time from a sync master's death to the first put its promoted
// slave acknowledges.
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { MetaqClient } from '../src/client/index.js';
import { startBrokerProcess, writeConfig } from '../test/support/broker-process.js';
import type { BrokerProcess } from '../test/support/broker-process.js';
import { replicationStatus, startReplicaCluster } from '../test/support/replica-cluster.js';
import { startZookeeper } from '../test/support/zookeeper-server.js';
import { runChild } from './child.js';

interface PutRun {
  messages: number;
  failed: number;
  msgsPerSec: number;
  mbPerSec: number;
  p50us: number;
  p99us: number;
}

export interface ReplicationResults {
  puts: Array<{ mode: string; window: number; result: PutRun }>;
  asyncCatchUpMs: number;
  failover: { sessionTimeoutMs: number; firstAckMs: number };
}

const TOPIC = 'repl';

async function measure(port: number, mode: string, scale: number, puts: ReplicationResults['puts']): Promise<void> {
  for (const window of [1, 1000]) {
    const count = Math.max(200, Math.round((window === 1 ? 5000 : 100_000) * scale));
    const result = (await runChild('producer.js', [port, TOPIC, 1024, count, window])) as PutRun;
    puts.push({ mode, window, result });
    console.log(
      `put 1 KiB, ${mode}, ${window} in flight: ${Math.round(result.msgsPerSec)} msgs/s, p50 ${(result.p50us / 1000).toFixed(2)} ms, p99 ${(result.p99us / 1000).toFixed(2)} ms, failed ${result.failed}`,
    );
  }
}

export async function runReplicationBench(scale: number): Promise<ReplicationResults> {
  const puts: ReplicationResults['puts'] = [];
  const topics = { [TOPIC]: { numPartitions: 1 } };
  const system = { unflushThreshold: 0, unflushInterval: 10000 };

  // No replication: one broker, group commit.
  const plainDir = mkdtempSync(join(tmpdir(), 'metaq-bench-repl-'));
  const plain = await startBrokerProcess(writeConfig(plainDir, { dataPath: join(plainDir, 'data'), ...system }, topics));
  try {
    await measure(plain.port, 'no replication', scale, puts);
  } finally {
    await plain.kill('SIGTERM');
    rmSync(plainDir, { recursive: true, force: true });
  }

  // Async: a master in ZooKeeper and one async slave copying it.
  const zookeeper = await startZookeeper();
  const zk = { 'zk.zkConnect': zookeeper.connect, 'zk.zkSyncTimeMs': 10 };
  const asyncDir = mkdtempSync(join(tmpdir(), 'metaq-bench-async-'));
  let asyncCatchUpMs: number | undefined;
  const brokers: BrokerProcess[] = [];
  try {
    brokers.push(await startBrokerProcess(writeConfig(join(asyncDir), { brokerId: 2, dataPath: join(asyncDir, 'master'), ...system }, topics, zk)));
    const slaveDir = mkdtempSync(join(asyncDir, 'slave-'));
    brokers.push(
      await startBrokerProcess(
        writeConfig(slaveDir, { brokerId: 2, dataPath: join(slaveDir, 'data'), ...system }, topics, zk, {
          role: 'async-slave',
          slaveId: 0,
          slaveMaxDelayInMills: 50,
        }),
      ),
    );
    await measure(brokers[0]!.port, 'async slave', scale, puts);
    const loadEnded = performance.now();
    for (let tries = 0; tries < 600; tries += 1) {
      const status = await replicationStatus(`meta://127.0.0.1:${brokers[1]!.port}`);
      if ((status.get(`${TOPIC}-0`) ?? '').endsWith('lag_bytes 0')) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    asyncCatchUpMs = performance.now() - loadEnded;
    console.log(`async slave caught up ${asyncCatchUpMs.toFixed(0)} ms after the load ended`);
  } finally {
    await Promise.all(brokers.map((b) => b.kill('SIGTERM')));
    await zookeeper.stop();
    rmSync(asyncDir, { recursive: true, force: true });
  }

  // Sync: a master that acks only once its slave has the put; then kill it and time the failover.
  const sessionTimeoutMs = 1000;
  const cluster = await startReplicaCluster({ topic: TOPIC, partitions: 1, via: 'direct', autoPromote: true, sessionTimeoutMs });
  try {
    await measure(cluster.master.port, 'sync slave', scale, puts);
    const client = new MetaqClient({ zkConnect: cluster.zookeeper.connect, zkSessionTimeoutMs: 4000 });
    const producer = client.producer();
    await producer.send({ topic: TOPIC, data: 'before' });
    const killed = performance.now();
    await cluster.master.kill('SIGKILL');
    let firstAckMs = NaN;
    for (let tries = 0; tries < 3000 && Number.isNaN(firstAckMs); tries += 1) {
      const ok = await producer.send({ topic: TOPIC, data: 'after' }, { timeoutMs: 1000 }).then(
        () => true,
        () => false,
      );
      if (ok) firstAckMs = performance.now() - killed;
      else await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await client.close();
    console.log(
      `failover: first put acked by the promoted slave ${firstAckMs.toFixed(0)} ms after kill -9 of the master (session timeout ${sessionTimeoutMs} ms)`,
    );
    return { puts, asyncCatchUpMs: asyncCatchUpMs ?? NaN, failover: { sessionTimeoutMs, firstAckMs } };
  } finally {
    await cluster.close();
  }
}

export function replicationSection(r: ReplicationResults): string {
  const rows = r.puts
    .map(
      ({ mode, window, result: p }) =>
        `| ${mode} | ${window} | ${p.messages.toLocaleString('en')} | ${Math.round(p.msgsPerSec).toLocaleString('en')} | ${p.mbPerSec.toFixed(1)} | ${(p.p50us / 1000).toFixed(2)} | ${(p.p99us / 1000).toFixed(2)} | ${p.failed} |`,
    )
    .join('\n');
  return `## Replication

1 KiB puts from one connection, every broker in group commit (acked after the fsync; with sync replication on the slave too), one at a time (latency) or 1,000 in flight (throughput).

| replication | in flight | puts | puts/s | MB/s | p50 ms | p99 ms | failed |
|---|---|---|---|---|---|---|---|
${rows}

Failover: sync pair with \`autoPromote=true\`, ZooKeeper session timeout ${r.failover.sessionTimeoutMs} ms. From \`kill -9\` of the master to the first put acknowledged by the promoted slave: **${r.failover.firstAckMs.toFixed(0)} ms**, bounded below by the session timeout.
`;
}
