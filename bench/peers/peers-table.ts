// The peers section of BENCHMARKS.md, rendered from one run's figures: the throughput table with
// each peer's client path and durability, metaq over the best peer against the issue's targets,
// a paragraph that reads the ratios, the latency table and the machine's ceilings.
import { CALLS_IN_FLIGHT, PUBLISH_BATCH, WARM_UP_SECONDS } from './peer-client.js';

export interface Throughput {
  msgsPerSec: number;
  mbPerSec: number;
}

export interface LatencyRun {
  p50ms: number;
  p99ms: number;
  p999ms: number;
}

/** The run with the median p99 at one rate, and the p99 of every run. */
export interface Latency extends LatencyRun {
  rate: number;
  p99Runs: number[];
}

export interface PeerFigures {
  name: string;
  /** The client and its publish path. */
  client: string;
  /** What an acknowledgement means for durability. */
  mode: string;
  produce: Record<number, Throughput>;
  consume: Record<number, Throughput>;
  latency: Latency[];
}

export interface RunSettings {
  rateSeconds: number;
  /** Timed seconds of each produce run, after two untimed. */
  produceSeconds: number;
  /** The most messages each consume run reads, by size. */
  consumeCounts: Record<number, number>;
  latencyRuns: number;
  tcp: Record<number, Throughput>;
  fsyncs: number;
}

/** The issue's targets for metaq over the best peer's produce figure. */
const TARGETS: Record<number, number> = { 100: 6, 1024: 3 };
const SIZE_NAMES: Record<number, string> = { 100: '100 B', 1024: '1 KiB' };
const WINDOW = PUBLISH_BATCH * CALLS_IN_FLIGHT;

const fmt = (value: number): string => Math.round(value).toLocaleString('en');
const times = (value: number): string => `${value.toFixed(2)}×`;

function bestPeer(peers: PeerFigures[], size: number): PeerFigures {
  return peers.reduce((best, p) => (p.produce[size]!.msgsPerSec > best.produce[size]!.msgsPerSec ? p : best));
}

function ratioRows(metaqRows: PeerFigures[], peers: PeerFigures[]): string[] {
  const lines = ['| metaq mode | size | best peer | metaq msgs/s | best peer msgs/s | metaq ÷ best peer | target | met |', '|---|---|---|---|---|---|---|---|'];
  for (const m of metaqRows)
    for (const size of [100, 1024]) {
      const best = bestPeer(peers, size);
      const r = m.produce[size]!.msgsPerSec / best.produce[size]!.msgsPerSec;
      lines.push(
        `| ${m.mode} | ${SIZE_NAMES[size]} | ${best.name} | ${fmt(m.produce[size]!.msgsPerSec)} | ${fmt(best.produce[size]!.msgsPerSec)} | ${times(r)} | ≥ ${TARGETS[size]}× | ${r >= TARGETS[size]! ? 'yes' : 'no'} |`,
      );
    }
  return lines;
}

/** One paragraph that reads the ratios; generated so it stays true to the figures above it. */
function analysis(normal: PeerFigures, group: PeerFigures, peers: PeerFigures[], run: RunSettings): string {
  const part = (m: PeerFigures, size: number): string => {
    const best = bestPeer(peers, size);
    const r = m.produce[size]!.msgsPerSec / best.produce[size]!.msgsPerSec;
    return `${times(r)} ${best.name} at ${SIZE_NAMES[size]} (target ${TARGETS[size]}×: ${r >= TARGETS[size]! ? 'met' : 'not met'})`;
  };
  return [
    `With every peer on its fastest acknowledged path and the same window, metaq in normal flush acks ${part(normal, 100)} and ${part(normal, 1024)}.`,
    `In group commit, where metaq acks only after the fsync that covers the message, it acks ${part(group, 100)} and ${part(group, 1024)}.`,
    'No peer row is acked after an fsync: JetStream, Redis and RabbitMQ acknowledge what their server has written to the OS, as metaq does in normal flush, so normal flush is the like-for-like comparison and group commit gives more durability than any peer row for its figure.',
    `The consume columns (the first ${fmt(run.consumeCounts[100]!)} messages at 100 B and ${fmt(run.consumeCounts[1024]!)} at 1 KiB of what was produced, or all of it where less, read from the start through each client's consumer) are not part of the targets.`,
  ].join(' ');
}

export function renderSection(all: PeerFigures[], run: RunSettings): string {
  const [normal, group] = all as [PeerFigures, PeerFigures];
  const peers = all.slice(2);
  const date = new Date().toISOString().slice(0, 10);
  const lines: string[] = ['<!-- peers:start -->', `## Side by side with the peers (measured ${date})`, ''];
  lines.push(
    `\`npm run bench:peers\`: each broker through its Node.js client's fastest acknowledged publish path, one producer process and one consumer process, one partition or stream. The window is the same for every peer: publish calls of ${PUBLISH_BATCH} messages, at most ${CALLS_IN_FLIGHT} calls awaiting their acks (at most ${WINDOW.toLocaleString('en')} messages unacknowledged), each call resolved only when every message of it is acknowledged; the figure is acknowledged messages per second over ${run.produceSeconds} s of publishing, timed after ${WARM_UP_SECONDS} s untimed. The third column is what an acknowledgement means for durability.`,
    '',
    '| broker | client and publish path | persistence and ack | produce 100 B msgs/s | produce 1 KiB MB/s | consume 100 B msgs/s (backlog) | consume 1 KiB MB/s |',
    '|---|---|---|---|---|---|---|',
  );
  for (const f of all)
    lines.push(
      `| ${f.name} | ${f.client} | ${f.mode} | ${fmt(f.produce[100]!.msgsPerSec)} | ${f.produce[1024]!.mbPerSec.toFixed(1)} | ${fmt(f.consume[100]!.msgsPerSec)} | ${f.consume[1024]!.mbPerSec.toFixed(1)} |`,
    );
  lines.push('', 'metaq over the best peer, produce (the issue asks for ≥ 6× at 100 B and ≥ 3× at 1 KiB):', '', ...ratioRows([normal, group], peers));
  lines.push('', analysis(normal, group, peers, run), '');
  lines.push(
    `End-to-end latency, 100 B at a fixed rate for ${run.rateSeconds} s after a warm-up second, ${run.latencyRuns === 1 ? 'one run' : `${run.latencyRuns} runs`} a row, one publish call per message: the row's figures are the run with the median p99, the last column every run's p99:`,
    '',
    '| broker | mode | rate msgs/s | p50 ms | p99 ms | p99.9 ms | p99 of each run ms |',
    '|---|---|---|---|---|---|---|',
  );
  for (const f of all)
    for (const l of f.latency)
      lines.push(
        `| ${f.name} | ${f.mode} | ${fmt(l.rate)} | ${l.p50ms.toFixed(2)} | ${l.p99ms.toFixed(2)} | ${l.p999ms.toFixed(2)} | ${l.p99Runs.map((p) => p.toFixed(2)).join(', ')} |`,
      );
  lines.push('', "The machine's ceilings, measured in the same run:", '', '| ceiling | value | metaq (normal flush) as a share |', '|---|---|---|');
  lines.push(
    `| Node over loopback, 100 B frames with a 4-byte ack each, ${WINDOW.toLocaleString('en')} outstanding | ${fmt(run.tcp[100]!.msgsPerSec)} msgs/s | ${((100 * normal.produce[100]!.msgsPerSec) / run.tcp[100]!.msgsPerSec).toFixed(0)} % |`,
    `| the same, 1 KiB frames | ${run.tcp[1024]!.mbPerSec.toFixed(0)} MB/s | ${((100 * normal.produce[1024]!.mbPerSec) / run.tcp[1024]!.mbPerSec).toFixed(0)} % |`,
    `| fdatasync after each 100 B write, one file | ${fmt(run.fsyncs)} /s | group commit acks ${fmt(group.produce[100]!.msgsPerSec)} msgs/s: ${(group.produce[100]!.msgsPerSec / run.fsyncs).toFixed(0)} per fsync the disk can do |`,
    '<!-- peers:end -->',
  );
  return lines.join('\n');
}
