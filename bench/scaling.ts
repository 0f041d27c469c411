import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBrokerProcess, writeConfig } from '../test/support/broker-process.js';
import { runChild } from './child.js';
import type { Chart } from './plot.js';
import { renderCharts } from './plot.js';

export interface ScalingPoint {
  x: number;
  msgsPerSec: number;
  mbPerSec: number;
  brokerRssMb: number;
}

export interface ScalingResult {
  /** Normal flush and group commit at each partition count. */
  partitions: Array<{ normal: ScalingPoint; group: ScalingPoint }>;
  connections: ScalingPoint[];
  sizes: ScalingPoint[];
}

/**
 * Messages every producer keeps in flight at every point: 6.4 MB of 100 B messages (a Kafka
 * producer buffers up to 32 MB by default). A window counted in messages is spread over the
 * partitions, so it bounds the sets' sizes: 2,000 over 1,000 partitions made sets of two.
 */
export const SCALING_WINDOW = 64_000;

/** Descriptors the broker runs with; the partition files may hold 15,000 of them (10,000 partitions and their temporary files). */
const DESCRIPTORS = 20_000;

const underDescriptorLimit = (command: string, args: string[]): [string, string[]] => [
  'bash',
  ['-c', `ulimit -n ${DESCRIPTORS} && exec "$0" "$@"`, command, ...args],
];

/** A fresh broker process per point, so its peak RSS is that point's; producers warm up (and create every partition) untimed first. */
async function point(
  x: number,
  system: Record<string, number>,
  script: string,
  args: (port: number) => Array<string | number>,
  warmUp = 0,
): Promise<ScalingPoint> {
  const dir = mkdtempSync(join(tmpdir(), 'metaq-bench-scaling-'));
  const config = writeConfig(dir, {
    dataPath: join(dir, 'data'),
    unflushThreshold: 1000,
    unflushInterval: 10_000,
    maxOpenSegmentFiles: 15_000,
    maxConnectionsPerIp: 0,
    ...system,
  });
  const broker = await startBrokerProcess(config, { spawnVia: underDescriptorLimit });
  try {
    const result = (await runChild(script, args(broker.port), warmUp)) as { msgsPerSec: number; mbPerSec: number };
    const status = readFileSync(`/proc/${broker.child.pid}/status`, 'utf8');
    return { x, msgsPerSec: result.msgsPerSec, mbPerSec: result.mbPerSec, brokerRssMb: Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024 };
  } finally {
    await broker.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

/** 10,000 partitions are 1,000 topics of 10, as a broker holding many topics has them; fewer are one topic's. */
function partitionShape(partitions: number): { topics: number; perTopic: number } {
  return partitions > 1000 ? { topics: partitions / 10, perTopic: 10 } : { topics: 1, perTopic: partitions };
}

/** Throughput and broker memory against partitions (normal flush and group commit), connections and message size. */
export async function runScalingBench(scale: number): Promise<ScalingResult> {
  const count = Math.round(500_000 * scale);
  const partitions: ScalingResult['partitions'] = [];
  for (const p of [1, 10, 100, 1000, 10_000]) {
    const { topics, perTopic } = partitionShape(p);
    const args = (port: number): Array<string | number> => [port, 'scale', 100, count, SCALING_WINDOW, 'batched', perTopic, topics];
    // Enough untimed sends to create every partition and reach the steady rate.
    const warmUp = Math.max(Math.round(count / 5), p * 8);
    const normal = await point(p, { numPartitions: perTopic }, 'client-producer.js', args, warmUp);
    const group = await point(p, { numPartitions: perTopic, unflushThreshold: 0 }, 'client-producer.js', args, warmUp);
    partitions.push({ normal, group });
  }
  const connections: ScalingPoint[] = [];
  for (const c of [1, 10, 100, 1000, 10_000]) connections.push(await point(c, {}, 'many-clients.js', (port) => [port, 'scale', 100, count, c]));
  const sizes: ScalingPoint[] = [];
  for (const size of [16, 256, 4096, 65_536, 1_048_576]) {
    const messages = Math.max(64, Math.min(count, Math.round((256 * 1024 * 1024 * scale) / size)));
    // Keep about 64 MiB outstanding at most: 2,000 one-MiB messages would be 2 GB in flight.
    const window = Math.max(4, Math.min(2000, Math.floor((64 * 1024 * 1024) / size)));
    sizes.push(await point(size, {}, 'client-producer.js', (port) => [port, 'scale', size, messages, window, 'batched']));
  }
  return { partitions, connections, sizes };
}

const here = fileURLToPath(new URL('.', import.meta.url));
const plotDir = join(here, '../../docs/bench');

function chart(title: string, xLabel: string, points: ScalingPoint[], bytes: boolean): Chart {
  return {
    title,
    xLabel,
    x: points.map((p) => p.x),
    leftLabel: bytes ? 'MB/s' : 'msgs/s',
    rightLabel: 'broker peak RSS MB',
    series: [
      { label: bytes ? 'MB/s acked' : 'msgs/s acked', values: points.map((p) => (bytes ? p.mbPerSec : p.msgsPerSec)), axis: 'left' },
      { label: 'broker peak RSS MB', values: points.map((p) => p.brokerRssMb), axis: 'right' },
    ],
  };
}

function partitionsChart(points: ScalingResult['partitions']): Chart {
  return {
    title: '100 B sends against partitions (round robin; 10,000 = 1,000 topics x 10)',
    xLabel: 'partitions',
    x: points.map((p) => p.normal.x),
    leftLabel: 'msgs/s',
    rightLabel: 'broker peak RSS MB',
    series: [
      { label: 'msgs/s acked, normal flush', values: points.map((p) => p.normal.msgsPerSec), axis: 'left' },
      { label: 'msgs/s acked, group commit', values: points.map((p) => p.group.msgsPerSec), axis: 'left' },
      { label: 'broker peak RSS MB (group commit)', values: points.map((p) => p.group.brokerRssMb), axis: 'right' },
    ],
  };
}

/** Render the three plots into docs/bench. */
export async function plotScaling(r: ScalingResult): Promise<void> {
  await renderCharts([
    { chart: partitionsChart(r.partitions), path: join(plotDir, 'scaling-partitions.png') },
    { chart: chart('100 B sends against connections (one client each)', 'connections', r.connections, false), path: join(plotDir, 'scaling-connections.png') },
    { chart: chart('Sends against message size', 'message size (bytes)', r.sizes, true), path: join(plotDir, 'scaling-sizes.png') },
  ]);
}

const percent = (value: number, of: number): string => `${((100 * value) / of).toFixed(0)} %`;

function partitionsTable(points: ScalingResult['partitions']): string {
  const [first] = points;
  const rows = points.map(({ normal, group }) => {
    const cells = [normal, group].map((p, i) => {
      const base = i === 0 ? first!.normal : first!.group;
      return `${Math.round(p.msgsPerSec).toLocaleString('en')} | ${percent(p.msgsPerSec, base.msgsPerSec)} | ${p.brokerRssMb.toFixed(0)}`;
    });
    return `| ${normal.x.toLocaleString('en')} | ${cells.join(' | ')} |`;
  });
  return `| partitions | normal flush msgs/s | of 1 partition | RSS MB | group commit msgs/s | of 1 partition | RSS MB |\n|---|---|---|---|---|---|---|\n${rows.join('\n')}`;
}

function table(header: string, points: ScalingPoint[], label: (x: number) => string): string {
  const rows = points
    .map((p) => `| ${label(p.x)} | ${Math.round(p.msgsPerSec).toLocaleString('en')} | ${p.mbPerSec.toFixed(1)} | ${p.brokerRssMb.toFixed(0)} |`)
    .join('\n');
  return `| ${header} | msgs/s | MB/s | broker peak RSS MB |\n|---|---|---|---|\n${rows}`;
}

const sizeLabel = (bytes: number): string => (bytes >= 1_048_576 ? `${bytes / 1_048_576} MiB` : bytes >= 1024 ? `${bytes / 1024} KiB` : `${bytes} B`);

export function scalingSection(r: ScalingResult): string {
  return `## Scaling

One broker and one producer with default batching per point, timed after an untimed warm-up that creates every partition: 100 B messages round robin over N partitions (10,000 as 1,000 topics of 10) with ${SCALING_WINDOW.toLocaleString('en')} in flight, in normal flush and in group commit; N connections sharing a window of 2,000; message sizes up to 1 MiB. The broker runs under \`ulimit -n ${DESCRIPTORS.toLocaleString('en')}\` with \`maxOpenSegmentFiles=15000\` and \`maxConnectionsPerIp=0\`. Targets: 1,000 partitions at least 50 % of the 1-partition figure, 10,000 at least 25 %, in both modes.

${partitionsTable(r.partitions)}

![throughput and broker memory against partitions](docs/bench/scaling-partitions.png)

${table('connections', r.connections, String)}

![throughput and broker memory against connections](docs/bench/scaling-connections.png)

${table('message size', r.sizes, sizeLabel)}

![throughput and broker memory against message size](docs/bench/scaling-sizes.png)
`;
}
