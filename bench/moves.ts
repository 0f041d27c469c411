// The "Online partition moves" section: how fast a move copies, how well the throttle holds, and
// what producers see while a partition switches brokers.
import { join } from 'node:path';
import { MetaqClient } from '../src/client/index.js';
import { ZkSession } from '../src/coordination/zk/zk-session.js';
import { MetaZnodes } from '../src/coordination/zk/znodes.js';
import { readMoves, removeMove } from '../src/coordination/zk/reassignments.js';
import { executeReassignment } from '../src/cli/reassign-command.js';
import { planMoves, readLayout } from '../src/cli/reassign-plan.js';
import { startBrokerProcess, tempDir, writeConfig } from '../test/support/broker-process.js';
import type { BrokerProcess } from '../test/support/broker-process.js';
import { startZookeeper } from '../test/support/zookeeper-server.js';

export interface MoveFigures {
  label: string;
  bytes: number;
  throttle: number;
  copyMs: number;
  /** From the source fencing to the target serving the partition: puts to it are refused meanwhile. */
  switchMs: number;
  totalMs: number;
  sends: number;
  failedSends: number;
  sendP50Ms: number;
  sendP99Ms: number;
  sendMaxMs: number;
}

const SET = 64 * 1024;
const sink = { write: () => true } as unknown as NodeJS.WritableStream;

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

/** Move the last partition of `topic` on `source` to `target` while a producer sends 100 B messages one at a time. */
async function timedMove(
  session: ZkSession,
  zk: string,
  client: MetaqClient,
  label: string,
  source: number,
  target: number,
  bytes: number,
  throttle: number,
): Promise<MoveFigures> {
  const znodes = new MetaZnodes();
  const moves = planMoves(await readLayout(session, znodes), { kind: 'moves', moves: [{ topic: 'moving', source, count: 1, target }] });
  const producer = client.producer();
  const latencies: number[] = [];
  let failed = 0;
  let sending = true;
  const load = (async () => {
    while (sending) {
      const started = performance.now();
      await producer.send({ topic: 'moving', data: 'x'.repeat(100) }).then(
        () => latencies.push(performance.now() - started),
        (error: Error) => {
          failed += 1;
          if (failed <= 3) console.error(`${label}: a send failed: ${error.message}`);
        },
      );
    }
  })();
  const started = performance.now();
  await executeReassignment(zk, '/meta', { version: 1, moves }, throttle, sink);
  const seen = new Map<string, number>();
  // Serving: the target registers the moved partition once the source withdrew the old one.
  const key = `${znodes.topicsPub('moving')}/${target}-m`;
  const registered = `"numParts":${moves[0]!.target.partition + 1}`;
  for (;;) {
    const [move] = await readMoves(session, znodes);
    if (move !== undefined && !seen.has(move.state)) seen.set(move.state, performance.now() - started);
    if (!seen.has('serving') && ((await session.getData(key)) ?? '').includes(registered)) seen.set('serving', performance.now() - started);
    if (move?.state === 'done') break;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const serving = seen.get('serving') ?? seen.get('done')!;
  // A step may pass between two polls: the first state seen at or after fencing marks the end of the copy.
  const fencedAt = seen.get('fencing') ?? seen.get('fenced') ?? seen.get('switched')!;
  sending = false;
  await load;
  await removeMove(session, znodes, moves[0]!);
  latencies.sort((a, b) => a - b);
  return {
    label,
    bytes,
    throttle,
    copyMs: fencedAt,
    switchMs: serving - fencedAt,
    totalMs: seen.get('done')!,
    sends: latencies.length + failed,
    failedSends: failed,
    sendP50Ms: percentile(latencies, 0.5),
    sendP99Ms: percentile(latencies, 0.99),
    sendMaxMs: latencies.at(-1) ?? 0,
  };
}

export async function runMovesBench(scale: number): Promise<MoveFigures[]> {
  const zookeeper = await startZookeeper();
  const brokers: BrokerProcess[] = [];
  const session = await ZkSession.open({ connect: zookeeper.connect, sessionTimeoutMs: 10_000, connectionTimeoutMs: 10_000 });
  const client = new MetaqClient({ zkConnect: zookeeper.connect });
  try {
    for (const [id, topics] of [
      [1, { moving: { numPartitions: 2 } }],
      [2, { other: { numPartitions: 1 } }],
    ] as const) {
      const dir = tempDir(`bench-move-${id}`);
      const config = writeConfig(
        dir,
        { brokerId: id, hostName: '127.0.0.1', dataPath: join(dir, 'data'), unflushThreshold: 1000, unflushInterval: 1000 },
        topics,
        {
          'zk.zkConnect': zookeeper.connect,
        },
      );
      brokers.push(await startBrokerProcess(config));
    }
    const bytes = Math.round(256 * 1024 * 1024 * scale);
    const producer = client.producer();
    const payload = Buffer.alloc(SET - 200, 7);
    const partition = { brokerId: 1, index: 1 };
    for (let sent = 0; sent < bytes; sent += payload.length * 16)
      await Promise.all(Array.from({ length: 16 }, () => producer.send({ topic: 'moving', data: payload }, { partition })));
    const unthrottled = await timedMove(session, zookeeper.connect, client, 'broker 1 → 2, no throttle', 1, 2, bytes, 0);
    const throttle = Math.round(20 * 1024 * 1024 * Math.max(scale, 0.25));
    const throttled = await timedMove(
      session,
      zookeeper.connect,
      client,
      `broker 2 → 1, throttle ${Math.round(throttle / 1024 / 1024)} MiB/s`,
      2,
      1,
      bytes,
      throttle,
    );
    return [unthrottled, throttled];
  } finally {
    await client.close();
    await session.close();
    for (const broker of brokers) await broker.kill('SIGTERM');
    await zookeeper.stop();
  }
}

const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(0);
const ms = (value: number): string => `${value.toFixed(1)} ms`;

export function movesSection(runs: MoveFigures[]): string {
  const rows = runs.map(
    (r) =>
      `| ${r.label} | ${mib(r.bytes)} MiB | ${(r.bytes / 1024 / 1024 / (r.copyMs / 1000)).toFixed(0)} MiB/s | ${ms(r.switchMs)} | ${(r.totalMs / 1000).toFixed(1)} s | ${r.sends.toLocaleString('en-US')} / ${r.failedSends} | ${ms(r.sendP50Ms)} / ${ms(r.sendP99Ms)} / ${ms(r.sendMaxMs)} |`,
  );
  return `## Online partition moves

\`metaq reassign\` moving a partition holding the given bytes (64 KiB messages) between two broker processes on this machine (normal flush: \`unflushThreshold=1000\`), while a producer sends 100 B messages to the topic one at a time (its other partition stays put). Copy rate is the bytes over the time to \`fencing\`; switch is from the source fencing to the target serving the partition (puts to it are refused meanwhile and go to the other partition); total includes the source deleting its copy once no group owns it and producers had \`zk.zkSyncTimeMs\` (5 s, the default) to follow.

| move | bytes | copy rate | switch | total | sends / failed | send p50 / p99 / max |
|---|---|---|---|---|---|---|
${rows.join('\n')}
`;
}
