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
  partitions: ScalingPoint[];
  connections: ScalingPoint[];
  sizes: ScalingPoint[];
}

/** A fresh broker process (normal flush) per point, so its peak RSS is that point's. */
async function point(x: number, system: Record<string, number>, script: string, args: (port: number) => Array<string | number>): Promise<ScalingPoint> {
  const dir = mkdtempSync(join(tmpdir(), 'metaq-bench-scaling-'));
  const broker = await startBrokerProcess(writeConfig(dir, { dataPath: join(dir, 'data'), unflushThreshold: 1000, unflushInterval: 10_000, ...system }));
  try {
    const result = (await runChild(script, args(broker.port))) as { msgsPerSec: number; mbPerSec: number };
    const status = readFileSync(`/proc/${broker.child.pid}/status`, 'utf8');
    return { x, msgsPerSec: result.msgsPerSec, mbPerSec: result.mbPerSec, brokerRssMb: Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024 };
  } finally {
    await broker.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Throughput and broker memory against partitions, connections and message size. */
export async function runScalingBench(scale: number): Promise<ScalingResult> {
  const count = Math.round(500_000 * scale);
  const partitions: ScalingPoint[] = [];
  for (const p of [1, 10, 100, 1000]) {
    partitions.push(await point(p, { numPartitions: p }, 'client-producer.js', (port) => [port, 'scale', 100, count, 2000, 'batched', p]));
  }
  const connections: ScalingPoint[] = [];
  for (const c of [1, 10, 100, 1000]) connections.push(await point(c, {}, 'many-clients.js', (port) => [port, 'scale', 100, count, c]));
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

/** Render the three plots into docs/bench. */
export async function plotScaling(r: ScalingResult): Promise<void> {
  await renderCharts([
    { chart: chart('100 B sends against partitions (round robin)', 'partitions', r.partitions, false), path: join(plotDir, 'scaling-partitions.png') },
    { chart: chart('100 B sends against connections (one client each)', 'connections', r.connections, false), path: join(plotDir, 'scaling-connections.png') },
    { chart: chart('Sends against message size', 'message size (bytes)', r.sizes, true), path: join(plotDir, 'scaling-sizes.png') },
  ]);
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

One broker (normal flush) and one producer with default batching per point: 100 B messages round robin over N partitions, N connections sharing a window of 2,000, and message sizes up to 1 MiB.

${table('partitions', r.partitions, String)}

![throughput and broker memory against partitions](docs/bench/scaling-partitions.png)

${table('connections', r.connections, String)}

![throughput and broker memory against connections](docs/bench/scaling-connections.png)

${table('message size', r.sizes, sizeLabel)}

![throughput and broker memory against message size](docs/bench/scaling-sizes.png)
`;
}
