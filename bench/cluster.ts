// Cluster figures for `npm run bench`: three brokers behind one ZooKeeper, and group rebalance time.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBrokerProcess, writeConfig } from '../test/support/broker-process.js';
import type { BrokerProcess } from '../test/support/broker-process.js';
import { startZookeeper } from '../test/support/zookeeper-server.js';
import { runChild } from './child.js';

export interface ClusterResults {
  brokers: number;
  partitions: number;
  send: { messages: number; msgsPerSec: number; mbPerSec: number; p50us: number; p99us: number; clientPeakRssMb: number };
  receive: { messages: number; msgsPerSec: number; mbPerSec: number; clientPeakRssMb: number };
  rebalance: Array<{ members: number; partitions: number; retryMs: number; formMs: number; leaveMs: number; joinMs: number }>;
}

export async function runClusterBench(scale: number): Promise<ClusterResults> {
  const zookeeper = await startZookeeper();
  const dirs: string[] = [];
  const brokers: BrokerProcess[] = [];
  try {
    for (const brokerId of [1, 2, 3]) {
      const dir = mkdtempSync(join(tmpdir(), 'metaq-bench-cluster-'));
      dirs.push(dir);
      const topics = { cluster: { numPartitions: 3 }, rebalance: { numPartitions: 10 } };
      brokers.push(
        await startBrokerProcess(
          writeConfig(dir, { brokerId, dataPath: join(dir, 'data'), unflushThreshold: 1000, unflushInterval: 1000 }, topics, {
            'zk.zkConnect': zookeeper.connect,
          }),
        ),
      );
    }
    const zk = `zk:${zookeeper.connect}`;
    const count = Math.round(1_000_000 * scale);
    const send = (await runChild('client-producer.js', [zk, 'cluster', 100, count, 2000])) as ClusterResults['send'];
    const receive = (await runChild('client-consumer.js', [zk, 'cluster', count])) as ClusterResults['receive'];
    const rebalance: ClusterResults['rebalance'] = [];
    for (const retryMs of [5000, 200])
      rebalance.push((await runChild('rebalance.js', [zookeeper.connect, 'rebalance', 10, 30, retryMs])) as ClusterResults['rebalance'][number]);
    return { brokers: brokers.length, partitions: 9, send, receive, rebalance };
  } finally {
    for (const broker of brokers) await broker.kill('SIGTERM');
    await zookeeper.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}

export function clusterSection(r: ClusterResults): string {
  const rebalanceRows = r.rebalance
    .map(
      (b) =>
        `| ${b.members} consumers, ${b.partitions} partitions on 3 brokers | ${b.retryMs} | ${(b.formMs / 1000).toFixed(2)} | ${(b.leaveMs / 1000).toFixed(2)} | ${(b.joinMs / 1000).toFixed(2)} |`,
    )
    .join('\n');
  return `## Cluster mode

Three brokers and ZooKeeper on this machine; the producer spreads 100 B messages over ${r.partitions} partitions (3 per broker), one group member reads them all. Rebalance: 10 members over 30 partitions forming a group, one leaving and one joining; \`rebalanceRetryMs\` is the wait before retrying a partition not yet released.

| workload | messages | msgs/s | MB/s | p50 ms | p99 ms | client peak RSS MB |
|---|---|---|---|---|---|---|
| client send 100 B, 3 brokers | ${r.send.messages.toLocaleString('en')} | ${Math.round(r.send.msgsPerSec).toLocaleString('en')} | ${r.send.mbPerSec.toFixed(1)} | ${(r.send.p50us / 1000).toFixed(2)} | ${(r.send.p99us / 1000).toFixed(2)} | ${r.send.clientPeakRssMb.toFixed(0)} |
| client consume 100 B, 3 brokers, one member | ${r.receive.messages.toLocaleString('en')} | ${Math.round(r.receive.msgsPerSec).toLocaleString('en')} | ${r.receive.mbPerSec.toFixed(1)} | | | ${r.receive.clientPeakRssMb.toFixed(0)} |

| group | rebalanceRetryMs | form s | leave s | join s |
|---|---|---|---|---|
${rebalanceRows}
`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(clusterSection(await runClusterBench(process.argv.includes('--quick') ? 0.1 : 1)));
