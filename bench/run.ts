// `npm run bench`: one broker process, one producer process, one consumer process, on loopback.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBrokerProcess, writeConfig } from '../test/support/broker-process.js';
import type { BrokerProcess } from '../test/support/broker-process.js';
import { runChild } from './child.js';
import { clusterSection, runClusterBench } from './cluster.js';
import { runTransactionBench, transactionSection } from './transactions.js';
import { replicationSection, runReplicationBench } from './replication.js';
import { operationsSection, runOperationsBench } from './operations.js';
import { integrationsSection, runIntegrationsBench } from './integrations.js';
import { putSetSection, runPutSetBench } from './put-sets.js';
import { plotScaling, runScalingBench, scalingSection } from './scaling.js';
import { connectionLoadSection, runConnectionLoadBench } from './connection-load.js';
import { groupsSection, runGroupsBench } from './consumer-groups.js';
import { runSeekBench, seekSection } from './seek-by-time.js';
import { delayedSection, runDelayedBench } from './delayed.js';
import { keyIndexSection, runKeyIndexBench } from './key-index.js';
import { runSecurityBench, securitySection } from './security.js';
import { runShippingBench, shippingSection } from './shipping.js';
import { runMovesBench, movesSection } from './moves.js';
import { assembleReport, reportHeader } from './report.js';
import type { MachineInfo } from './report.js';
import { clientSection, putGetSection } from './single-broker-sections.js';
import { latencySection, runLatencyBench } from './latency.js';
import type { ClientConsumeResult, PutResult, PutRun } from './single-broker-sections.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '../..');
const quick = process.argv.includes('--quick');
// `--only transactions` runs just that section (for a quick look; the report needs a full run).
const only = process.argv[process.argv.indexOf('--only') + 1];
if (process.argv.includes('--only')) {
  if (only === 'integrations') {
    console.log(integrationsSection(await runIntegrationsBench(quick ? 0.1 : 1)));
  } else if (only === 'scaling') {
    const { runScalingBench, scalingSection, plotScaling } = await import('./scaling.js');
    const result = await runScalingBench(quick ? 0.1 : 1);
    await plotScaling(result);
    console.log(scalingSection(result));
  } else if (only === 'seek') {
    const { runSeekBench, seekSection } = await import('./seek-by-time.js');
    console.log(seekSection(await runSeekBench(quick ? 0.1 : 1)));
  } else if (only === 'keys') {
    console.log(keyIndexSection(await runKeyIndexBench(quick ? 0.1 : 1)));
  } else if (only === 'security') {
    const { runSecurityBench, securitySection } = await import('./security.js');
    console.log(securitySection(await runSecurityBench(quick ? 0.1 : 1)));
  } else if (only === 'delayed') {
    console.log(delayedSection(await runDelayedBench(quick ? 0.1 : 1)));
  } else if (only === 'puts') {
    const { runPutSetBench, putSetSection } = await import('./put-sets.js');
    console.log(putSetSection(await runPutSetBench(quick ? 0.1 : 1)));
  } else if (only === 'operations') {
    const { runOperationsBench, operationsSection } = await import('./operations.js');
    console.log(operationsSection(await runOperationsBench(quick ? 0.1 : 1)));
  } else if (only === 'partitions') {
    const { runManyPartitionsBench, manyPartitionsSection } = await import('./many-partitions.js');
    console.log(manyPartitionsSection(await runManyPartitionsBench(quick ? 1_000 : 10_000)));
  } else if (only === 'connections') {
    const { runConnectionLoadBench, connectionLoadSection } = await import('./connection-load.js');
    console.log(connectionLoadSection(await runConnectionLoadBench(quick ? 0.1 : 1)));
  } else if (only === 'groups') {
    const { runGroupsBench, groupsSection } = await import('./consumer-groups.js');
    console.log(groupsSection(await runGroupsBench(quick ? 0.1 : 1)));
  } else if (only === 'latency') {
    const { runLatencyBench, latencySection } = await import('./latency.js');
    console.log(latencySection(await runLatencyBench()));
  } else if (only === 'shipping') {
    const { runShippingBench, shippingSection } = await import('./shipping.js');
    console.log(shippingSection(await runShippingBench(quick ? 0.1 : 1)));
  } else if (only === 'moves') {
    const { runMovesBench, movesSection } = await import('./moves.js');
    console.log(movesSection(await runMovesBench(quick ? 0.1 : 1)));
  } else if (only === 'replication') {
    const { runReplicationBench, replicationSection } = await import('./replication.js');
    console.log(replicationSection(await runReplicationBench(quick ? 0.1 : 1)));
  } else {
    const { runTransactionBench, transactionSection } = await import('./transactions.js');
    console.log(transactionSection(await runTransactionBench(quick ? 0.1 : 1)));
  }
  process.exit(0);
}
const scale = quick ? 0.1 : 1;

/** Peak resident memory of a process so far (VmHWM), in MB. */
function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

async function withBroker<T>(system: Record<string, string | number>, work: (broker: BrokerProcess) => Promise<T>): Promise<T & { peakRssMb: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'metaq-bench-'));
  const broker = await startBrokerProcess(writeConfig(dir, { dataPath: join(dir, 'data'), ...system }));
  try {
    const result = await work(broker);
    return { ...result, peakRssMb: peakRssMb(broker.child.pid!) };
  } finally {
    await broker.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

const flushModes: Array<{ name: string; system: Record<string, number> }> = [
  { name: 'normal flush (unflushThreshold=1000, unflushInterval=10000)', system: { unflushThreshold: 1000, unflushInterval: 10000 } },
  { name: 'group commit (unflushThreshold=0)', system: { unflushThreshold: 0, unflushInterval: 10000 } },
];

const putRuns: PutRun[] = [];
for (const mode of flushModes) {
  for (const size of [100, 1024]) {
    const count = Math.round((size === 100 ? 1_000_000 : 400_000) * scale);
    const result = await withBroker(
      mode.system,
      (broker) => runChild('producer.js', [broker.port, 'bench', size, count, 4000], Math.round(count / 5)) as Promise<PutResult>,
    );
    putRuns.push({ mode: mode.name, size, result });
    console.log(`put ${size} B, ${mode.name}: ${Math.round(result.msgsPerSec)} msgs/s, p99 ${result.p99us} us, peak RSS ${result.peakRssMb.toFixed(0)} MB`);
  }
}

const backlogBytes = Math.round(1024 * 1024 * 1024 * scale);
const getRun = await withBroker({ unflushThreshold: 1000, unflushInterval: 1000, maxTransferSize: 1024 * 1024 }, async (broker) => {
  const count = Math.ceil(backlogBytes / (1024 + 20));
  const fill = (await runChild('producer.js', [broker.port, 'bench', 1024, count, 4000])) as PutResult;
  const end = count * (1024 + 20);
  // Wait for the flush that makes the backlog visible (docs/protocol.md, get): poll stats until max_offset covers it.
  for (let tries = 0; tries < 100; tries += 1) {
    const offsets = execFileSync(process.execPath, [join(root, 'bin/metaq.cjs'), 'stats', 'offsets', '--port', String(broker.port)]).toString();
    if (Number(/max_offset (\d+)/.exec(offsets)?.[1] ?? 0) >= end) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const read = (await runChild('consumer.js', [broker.port, 'bench', end, 1024 * 1024])) as { bytes: number; gets: number; seconds: number; mbPerSec: number };
  const clientRead = (await runChild('client-consumer.js', [broker.port, 'bench', count])) as ClientConsumeResult;
  return { fill, read, clientRead };
});
console.log(
  `client consumer over the same backlog: ${Math.round(getRun.clientRead.msgsPerSec)} msgs/s, client peak RSS ${getRun.clientRead.clientPeakRssMb.toFixed(0)} MB`,
);

const clientCount = Math.round(1_000_000 * scale);
const clientRun = await withBroker({ unflushThreshold: 1000, unflushInterval: 1000 }, async (broker) => {
  const send = (await runChild('client-producer.js', [broker.port, 'client', 100, clientCount, 2000], Math.round(clientCount / 5))) as PutResult & {
    clientPeakRssMb: number;
  };
  // Wait for the flush that makes the backlog visible, then read it with a no-op listener.
  for (let tries = 0; tries < 100; tries += 1) {
    const offsets = execFileSync(process.execPath, [join(root, 'bin/metaq.cjs'), 'stats', 'offsets', '--port', String(broker.port)]).toString();
    if (Number(/max_offset (\d+)/.exec(offsets)?.[1] ?? 0) >= clientCount * 120) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const receive = (await runChild('client-consumer.js', [broker.port, 'client', clientCount])) as ClientConsumeResult;
  const receiveBatches = (await runChild('client-consumer.js', [broker.port, 'client', clientCount, 'batch'])) as ClientConsumeResult;
  return { send, receive, receiveBatches };
});
console.log(`client send 100 B: ${Math.round(clientRun.send.msgsPerSec)} msgs/s; client consume 100 B: ${Math.round(clientRun.receive.msgsPerSec)} msgs/s`);
const clusterRun = await runClusterBench(scale);
const transactionRun = await runTransactionBench(scale);
const replicationRun = await runReplicationBench(scale);
const operationsRun = await runOperationsBench(scale);
const integrationsRun = await runIntegrationsBench(scale);
const putSetRuns = await runPutSetBench(scale);
const scalingRun = await runScalingBench(scale);
const connectionLoadRun = await runConnectionLoadBench(scale);
const groupsRun = await runGroupsBench(scale);
const latencyRun = await runLatencyBench();
const seekRun = await runSeekBench(scale);
const delayedRun = await runDelayedBench(scale);
const keyIndexRun = await runKeyIndexBench(scale);
const securityRun = await runSecurityBench(scale);
const shippingRun = await runShippingBench(scale);
const movesRun = await runMovesBench(scale);
await plotScaling(scalingRun);
console.log(
  `cluster send 100 B over 3 brokers: ${Math.round(clusterRun.send.msgsPerSec)} msgs/s; rebalance of 10 members: ${clusterRun.rebalance.map((r) => `form ${r.formMs.toFixed(0)} ms (retry ${r.retryMs} ms)`).join(', ')}`,
);
console.log(`get over ${(backlogBytes / 2 ** 30).toFixed(2)} GiB backlog: ${getRun.read.mbPerSec.toFixed(0)} MB/s, peak RSS ${getRun.peakRssMb.toFixed(0)} MB`);

// A guest's vCPUs can be taken away by its host, which shows in every latency tail: say so.
const machine: MachineInfo = {
  date: new Date().toISOString().slice(0, 10),
  quick,
  cpuCount: cpus().length,
  cpuModel: cpus()[0]?.model ?? 'unknown CPU',
  virtual: readFileSync('/proc/cpuinfo', 'utf8').includes(' hypervisor'),
  kernel: release(),
  memoryGiB: totalmem() / 2 ** 30,
  node: process.version,
  disk: execFileSync('df', ['-hT', tmpdir()]).toString().trim().split('\n')[1]?.split(/\s+/).slice(0, 2).join(' ') ?? 'unknown',
};
const measured = [
  putGetSection(putRuns, getRun, backlogBytes),
  clientSection(clientRun, getRun, backlogBytes),
  clusterSection(clusterRun),
  transactionSection(transactionRun),
  replicationSection(replicationRun),
  operationsSection(operationsRun),
  integrationsSection(integrationsRun),
  putSetSection(putSetRuns),
  scalingSection(scalingRun),
  connectionLoadSection(connectionLoadRun),
  groupsSection(groupsRun),
  latencySection(latencyRun),
  seekSection(seekRun),
  delayedSection(delayedRun),
  keyIndexSection(keyIndexRun),
  securitySection(securityRun),
  shippingSection(shippingRun),
  movesSection(movesRun),
];
const reportPath = join(root, 'BENCHMARKS.md');
const previous = existsSync(reportPath) ? readFileSync(reportPath, 'utf8') : undefined;
writeFileSync(reportPath, assembleReport(reportHeader(machine), measured, previous));
console.log('wrote BENCHMARKS.md');
