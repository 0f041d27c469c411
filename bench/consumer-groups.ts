// "Consumer groups": 100 groups reading one topic's tail while one producer sends at its full
// rate and at a fixed rate, against the producer alone (GitHub issue 30).
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as hdr from 'hdr-histogram-js';
import { startBrokerProcess, writeConfig } from '../test/support/broker-process.js';
import { put, WireSession } from '../test/support/wire-client.js';
import { cpuSeconds, DESCRIPTORS, peakRssMb, underDescriptorLimit } from './connection-load.js';
import type { ChildSpec } from './released-children.js';
import { runReleased } from './released-children.js';

export interface GroupsPoint {
  groups: number;
  /** The producer's fixed rate in msgs/s, or 0 for as fast as its window allows. */
  rate: number;
  producedPerSec: number;
  /** The producer's send-to-ack p99, in microseconds. */
  producerP99us: number;
  consumedPerSec: number;
  /** The slowest and fastest group's rate. */
  slowestGroupPerSec: number;
  fastestGroupPerSec: number;
  brokerRssMb: number;
  /** The broker's CPU use from the release to the last child's end, in cores. */
  brokerCores: number;
  /** The producer's and the consumers' processes' CPU use, in cores. */
  producerCores: number;
  consumerCores: number;
}

export interface GroupsResult {
  seconds: number;
  processes: number;
  alone: GroupsPoint;
  withGroups: GroupsPoint;
  pacedAlone: GroupsPoint;
  pacedWithGroups: GroupsPoint;
}

/**
 * The fixed rate: one producer at full speed takes what a 2-core host has, so any reader slows
 * it; at this rate 100 groups that keep up read 3,500,000 msgs/s, which shows whether reading
 * the tail disturbs a producer that is not itself the bottleneck.
 */
const PACED_RATE = 35_000;

const TOPIC = 'tail';

/**
 * A fresh broker (normal flush), the topic made with one put, then the producer and `groups`
 * groups in `processes` processes; `spawnVia` may add to the broker's command (a profiler).
 */
export async function measureGroups(groups: number, processes: number, seconds: number, rate = 0, spawnVia = underDescriptorLimit): Promise<GroupsPoint> {
  const dir = mkdtempSync(join(tmpdir(), 'metaq-bench-groups-'));
  const broker = await startBrokerProcess(writeConfig(dir, { dataPath: join(dir, 'data') }), { spawnVia });
  try {
    const session = await WireSession.open('127.0.0.1', broker.port);
    await put(session, TOPIC, 0, 'first');
    await session.close();
    const consumers: ChildSpec[] = Array.from({ length: groups === 0 ? 0 : processes }, (_, p) => ({
      script: 'tail-groups-child.js',
      args: [broker.port, TOPIC, groups / processes, (p * groups) / processes, seconds],
    }));
    const producer: ChildSpec = { script: 'timed-producers-child.js', args: [broker.port, TOPIC, 100, 1, 2000, seconds, 0, 0, -1, rate] };
    const pid = broker.child.pid!;
    let released = { at: 0, cpu: 0 };
    const results = await runReleased([producer, ...consumers], DESCRIPTORS, () => (released = { at: performance.now(), cpu: cpuSeconds(pid) }));
    const brokerCores = (cpuSeconds(pid) - released.cpu) / ((performance.now() - released.at) / 1000);
    const sent = results[0] as { messages: number; seconds: number; cpuSeconds: number; histogram: string };
    const read = results.slice(1) as Array<{ received: number[]; seconds: number; cpuSeconds: number }>;
    const perGroup = read.flatMap((r) => r.received.map((n) => n / r.seconds));
    return {
      groups,
      rate,
      producedPerSec: sent.messages / sent.seconds,
      producerP99us: hdr.decodeFromCompressedBase64(sent.histogram).getValueAtPercentile(99),
      consumedPerSec: perGroup.reduce((sum, rate) => sum + rate, 0),
      slowestGroupPerSec: groups === 0 ? 0 : Math.min(...perGroup),
      fastestGroupPerSec: groups === 0 ? 0 : Math.max(...perGroup),
      brokerRssMb: peakRssMb(pid),
      brokerCores,
      producerCores: sent.cpuSeconds / sent.seconds,
      consumerCores: read.reduce((sum, r) => sum + r.cpuSeconds / r.seconds, 0),
    };
  } finally {
    await broker.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runGroupsBench(scale: number): Promise<GroupsResult> {
  const seconds = Math.max(2, Math.round(10 * scale));
  const processes = 4;
  const groups = processes * Math.max(1, Math.round(25 * Math.min(1, scale)));
  const point = async (withGroups: boolean, rate: number): Promise<GroupsPoint> => {
    const p = await measureGroups(withGroups ? groups : 0, processes, seconds, rate);
    console.log(
      `groups: ${p.groups} groups, producer ${rate === 0 ? 'at full speed' : `at ${rate} msgs/s`}: produced ${n(p.producedPerSec)} msgs/s, consumed ${n(p.consumedPerSec)} msgs/s`,
    );
    return p;
  };
  return {
    seconds,
    processes,
    alone: await point(false, 0),
    withGroups: await point(true, 0),
    pacedAlone: await point(false, PACED_RATE),
    pacedWithGroups: await point(true, PACED_RATE),
  };
}

const n = (x: number): string => Math.round(x).toLocaleString('en');

export function groupsSection(r: GroupsResult): string {
  const row = (p: GroupsPoint): string =>
    `| ${p.rate === 0 ? 'full speed' : `${n(p.rate)} msgs/s`} | ${p.groups} | ${n(p.producedPerSec)} | ${(p.producerP99us / 1000).toFixed(1)} ms | ${p.groups === 0 ? '-' : n(p.consumedPerSec)} | ${p.groups === 0 ? '-' : `${n(p.slowestGroupPerSec)} / ${n(p.fastestGroupPerSec)}`} | ${p.brokerRssMb.toFixed(0)} | ${p.brokerCores.toFixed(2)} | ${p.producerCores.toFixed(2)} | ${p.groups === 0 ? '-' : p.consumerCores.toFixed(2)} |`;
  const change = (alone: GroupsPoint, loaded: GroupsPoint): string => `${((loaded.producedPerSec / alone.producedPerSec - 1) * 100).toFixed(0)} %`;
  const pacedKept = r.pacedWithGroups.producedPerSec >= 0.98 * r.pacedAlone.producedPerSec;
  const consumed = (p: GroupsPoint): string => (p.groups < 100 ? `not measured (${p.groups} groups)` : p.consumedPerSec >= 3_000_000 ? 'met' : 'not met');
  return `## Consumer groups

One broker (default configuration: normal flush), one topic of one partition, one producer sending 100 B messages (default batching, 2,000 in flight) for ${r.seconds} s, at its full speed or at a fixed ${n(PACED_RATE)} msgs/s; the groups read from the newest message with \`runBatches\`, each its own client and connection direct to the broker, ${r.withGroups.groups / r.processes} per process in ${r.processes} processes. CPU is cores busy during the run, on a machine of ${cpus().length}.

| producer | groups | produced msgs/s | producer p99 | consumed msgs/s (all groups) | slowest / fastest group msgs/s | broker peak RSS MB | broker CPU (cores) | producer CPU | consumers' CPU |
|---|---|---|---|---|---|---|---|---|---|
${row(r.alone)}
${row(r.withGroups)}
${row(r.pacedAlone)}
${row(r.pacedWithGroups)}

Targets (issue 30): ≥ 3,000,000 msgs/s consumed by 100 groups: at full speed ${consumed(r.withGroups)}, at ${n(PACED_RATE)} msgs/s ${consumed(r.pacedWithGroups)}; producer rate unchanged within noise: at full speed ${change(r.alone, r.withGroups)} with the groups (the producer alone takes what the host's ${cpus().length} cores leave, so every reader's CPU comes out of it), at ${n(PACED_RATE)} msgs/s ${change(r.pacedAlone, r.pacedWithGroups)}, ${pacedKept ? 'met' : 'not met'}.
`;
}
