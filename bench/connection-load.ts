// "Connections": one broker holding 10,000 client connections, 9,000 idle and heart-beating and
// 1,000 producing, against the same broker with 10 producing connections (GitHub issue 30).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as hdr from 'hdr-histogram-js';
import { startBrokerProcess, writeConfig } from '../test/support/broker-process.js';
import type { SpawnVia } from '../test/support/broker-process.js';
import { runReleased } from './released-children.js';

/** The descriptors the broker and each child may open: 10,000 sockets and the broker's files. */
export const DESCRIPTORS = 20_000;
/** Start a command under `ulimit -n DESCRIPTORS` (the default 1,024 or so cannot hold the run). */
export const underDescriptorLimit: SpawnVia = (command, args) => ['bash', ['-c', `ulimit -n ${DESCRIPTORS} && exec "$0" "$@"`, command, ...args]];

/** CPU seconds a process has used so far (user and system, from /proc/PID/stat). */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime and stime are fields 14 and 15 of stat, 12 and 13 after the command; in clock ticks (100 a second on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Peak resident memory of a process so far (VmHWM), in MB. */
export function peakRssMb(pid: number): number {
  return Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
}

export interface ConnectionLoadPoint {
  producers: number;
  idle: number;
  msgsPerSec: number;
  p50us: number;
  p99us: number;
  failed: number;
  heartbeatsAnswered: number;
  idleLost: number;
  brokerRssMb: number;
  /** The broker's CPU use from the release to the last child's end, in cores (1 = one core busy). */
  brokerCores: number;
  /** The client processes' CPU use while sending, in cores. */
  clientCores: number;
}

export interface ConnectionLoadResult {
  seconds: number;
  baseline: ConnectionLoadPoint;
  loaded: ConnectionLoadPoint;
  /** Group commit, each producing connection writing its own partition (a topic of one each), 64 in flight each. */
  groupCommit: ConnectionLoadPoint;
}

/** How the producers of a point write. */
interface LoadShape {
  /** Group commit (`unflushThreshold=0`) instead of the default normal flush. */
  groupCommit: boolean;
  /** Each producer writes a topic of its own (`load<n>`, one partition), else all write `load`. */
  ownPartitions: boolean;
  /** Messages in flight per producer; by default they share TOTAL_WINDOW. */
  windowEach?: number;
}

/** All processes share a window of 2,000 messages in flight, as the scaling section's connections do. */
const TOTAL_WINDOW = 2000;

interface ChildResult {
  messages: number;
  failed: number;
  seconds: number;
  histogram: string;
  heartbeatsAnswered: number;
  idleLost: number;
  cpuSeconds: number;
}

/**
 * A fresh broker (default configuration: normal flush) and `processes` children sending for
 * `seconds`; `spawnVia` may add to the broker's command (a profiler).
 */
export async function measureConnectionLoad(
  processes: number,
  producers: number,
  idle: number,
  seconds: number,
  spawnVia = underDescriptorLimit,
  shape: LoadShape = { groupCommit: false, ownPartitions: false },
): Promise<ConnectionLoadPoint> {
  const dir = mkdtempSync(join(tmpdir(), 'metaq-bench-connections-'));
  const system: Record<string, string | number> = shape.groupCommit ? { dataPath: join(dir, 'data'), unflushThreshold: 0 } : { dataPath: join(dir, 'data') };
  const broker = await startBrokerProcess(writeConfig(dir, system), { spawnVia });
  const pid = broker.child.pid!;
  try {
    let released = { at: 0, cpu: 0 };
    const window = shape.windowEach ?? Math.max(1, Math.floor(TOTAL_WINDOW / producers));
    const results = (await runReleased(
      Array.from({ length: processes }, (_, p) => ({
        script: 'timed-producers-child.js',
        args: [
          broker.port,
          'load',
          100,
          producers / processes,
          window,
          seconds,
          idle / processes,
          (p * idle) / processes,
          shape.ownPartitions ? (p * producers) / processes : -1,
        ],
      })),
      DESCRIPTORS,
      () => (released = { at: performance.now(), cpu: cpuSeconds(pid) }),
    )) as ChildResult[];
    const brokerCores = (cpuSeconds(pid) - released.cpu) / ((performance.now() - released.at) / 1000);
    const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
    for (const result of results) histogram.add(hdr.decodeFromCompressedBase64(result.histogram));
    const sum = (key: 'messages' | 'failed' | 'heartbeatsAnswered' | 'idleLost'): number => results.reduce((total, r) => total + r[key], 0);
    return {
      producers,
      idle,
      msgsPerSec: sum('messages') / Math.max(...results.map((r) => r.seconds)),
      p50us: histogram.getValueAtPercentile(50),
      p99us: histogram.getValueAtPercentile(99),
      failed: sum('failed'),
      heartbeatsAnswered: sum('heartbeatsAnswered'),
      idleLost: sum('idleLost'),
      brokerRssMb: peakRssMb(pid),
      brokerCores,
      clientCores: results.reduce((total, r) => total + r.cpuSeconds / r.seconds, 0),
    };
  } finally {
    await broker.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

/** 10 producing connections alone, then 1,000 producing and 9,000 idle; 10 client processes each time. */
export async function runConnectionLoadBench(scale: number): Promise<ConnectionLoadResult> {
  const seconds = Math.max(2, Math.round(10 * scale));
  const connections = Math.round(10_000 * Math.min(1, scale));
  const baseline = await measureConnectionLoad(10, 10, 0, seconds);
  console.log(`connections baseline: 10 producers ${Math.round(baseline.msgsPerSec)} msgs/s, p99 ${baseline.p99us} us`);
  const loaded = await measureConnectionLoad(10, connections / 10, (connections * 9) / 10, seconds);
  console.log(`connections: ${loaded.producers} producers + ${loaded.idle} idle ${Math.round(loaded.msgsPerSec)} msgs/s, p99 ${loaded.p99us} us`);
  const groupCommit = await measureConnectionLoad(10, connections / 10, 0, seconds, underDescriptorLimit, {
    groupCommit: true,
    ownPartitions: true,
    windowEach: GROUP_COMMIT_WINDOW_EACH,
  });
  console.log(`connections, group commit: ${groupCommit.producers} producers on their own partitions ${Math.round(groupCommit.msgsPerSec)} msgs/s`);
  return { seconds, baseline, loaded, groupCommit };
}

/** In flight per producer in the group-commit point: 64,000 in all, the scaling section's window. */
const GROUP_COMMIT_WINDOW_EACH = 64;

const met = (ok: boolean): string => (ok ? 'met' : 'not met');

export function connectionLoadSection(r: ConnectionLoadResult): string {
  const row = (p: ConnectionLoadPoint): string =>
    `| ${p.producers.toLocaleString('en')} | ${p.idle.toLocaleString('en')} | ${Math.round(p.msgsPerSec).toLocaleString('en')} | ${(p.p50us / 1000).toFixed(1)} ms | ${(p.p99us / 1000).toFixed(1)} ms | ${p.failed} | ${p.heartbeatsAnswered.toLocaleString('en')} (${p.idleLost} lost) | ${p.brokerRssMb.toFixed(0)} | ${p.brokerCores.toFixed(2)} | ${p.clientCores.toFixed(2)} |`;
  const share = r.loaded.msgsPerSec / r.baseline.msgsPerSec;
  const tail = r.loaded.p99us / r.baseline.p99us;
  return `## Connections

One broker at its default configuration (normal flush, maxConnections 10,000, maxConnectionsPerIp 1,000) under \`ulimit -n ${DESCRIPTORS}\`; 10 client processes; ${r.seconds} s of 100 B sends with default batching, the producers sharing a window of ${TOTAL_WINDOW.toLocaleString('en')}. Idle connections heart-beat as an idle client does (\`version\` every 10 s), 100 from each loopback address from 127.0.0.2; the producers connect from 127.0.0.1. CPU is cores busy while sending, on a machine of ${cpus().length}.

| producing connections | idle connections | acked msgs/s | p50 | p99 | failed | heartbeats answered | broker peak RSS MB | broker CPU (cores) | clients' CPU (cores) |
|---|---|---|---|---|---|---|---|---|---|
${row(r.baseline)}
${row(r.loaded)}

Targets (issue 30): throughput ≥ 70 % of the 10-connection figure: ${(share * 100).toFixed(0)} %, ${met(share >= 0.7)}; p99 within 2x: ${tail.toFixed(1)}x, ${met(tail <= 2)}; broker RSS ≤ 1.5 GiB: ${met(r.loaded.brokerRssMb <= 1536)}.

Group commit under many producers: a broker with \`unflushThreshold=0\`, ${r.groupCommit.producers.toLocaleString('en')} producing connections each writing a partition of its own (a topic of one partition each), ${GROUP_COMMIT_WINDOW_EACH} in flight each, every ack after the fsync covering it.

| producing connections | partitions | acked msgs/s | p50 | p99 | failed | broker peak RSS MB | broker CPU (cores) | clients' CPU (cores) |
|---|---|---|---|---|---|---|---|---|
| ${r.groupCommit.producers.toLocaleString('en')} | ${r.groupCommit.producers.toLocaleString('en')} | ${Math.round(r.groupCommit.msgsPerSec).toLocaleString('en')} | ${(r.groupCommit.p50us / 1000).toFixed(1)} ms | ${(r.groupCommit.p99us / 1000).toFixed(1)} ms | ${r.groupCommit.failed} | ${r.groupCommit.brokerRssMb.toFixed(0)} | ${r.groupCommit.brokerCores.toFixed(2)} | ${r.groupCommit.clientCores.toFixed(2)} |

Target (issue 30): ≥ 100,000 acked msgs/s: ${met(r.groupCommit.msgsPerSec >= 100_000)}.
`;
}
