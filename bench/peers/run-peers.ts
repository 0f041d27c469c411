// `npm run bench:peers`: metaq, NATS JetStream, RabbitMQ streams and Redis Streams on this machine
// in one run, each through its Node.js client's fastest acknowledged publish path with the same
// window, one producer process and one consumer process, in each one's persistent, acknowledged
// mode; plus the machine's ceilings. Writes the section between the peers markers of BENCHMARKS.md.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, fdatasyncSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBrokerProcess, writeConfig } from '../../test/support/broker-process.js';
import type { BrokerProcess } from '../../test/support/broker-process.js';
import { freePort } from '../../test/support/free-port.js';
import { settleDisk } from '../child.js';
import { prepareNats, removeNats } from './nats-peer.js';
import { prepareRabbitmq, removeRabbitmq } from './rabbitmq-peer.js';
import { startRabbitmqNode } from './rabbitmq-node.js';
import { CALLS_IN_FLIGHT, PUBLISH_BATCH } from './peer-client.js';
import type { PeerTarget } from './peer-client.js';
import { renderSection } from './peers-table.js';
import type { LatencyRun, PeerFigures, Throughput } from './peers-table.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '../../..');
const quick = process.argv.includes('--quick');
const scale = quick ? 0.1 : 1;
const SIZES = [100, 1024];
/** Timed seconds of each produce run (after two untimed ones, peer-child.ts). */
const PRODUCE_SECONDS = quick ? 1 : 5;
/** The consumer reads the first this many messages of what was produced (all of it if less), from the start. */
const CONSUME_COUNT: Record<number, number> = { 100: Math.round(1_000_000 * scale), 1024: Math.round(300_000 * scale) };
const RATE = 20_000;
const RATE_SECONDS = quick ? 1 : 5;
/**
 * Runs per latency point: one 5 s run's p99 swings by 2 ms or more between runs on this host
 * (4.4-6.8 ms in four runs in a row), so the table gives the run with the median p99 and the p99
 * of every run.
 */
const LATENCY_RUNS = quick ? 1 : 3;

interface Peer {
  name: string;
  system: string;
  /** The client and its publish path, for the table. */
  client: string;
  mode: string;
  port: number;
  prepare(target: PeerTarget): Promise<void>;
  remove(target: PeerTarget): Promise<void>;
}

function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

async function waitForPort(port: number, what: string): Promise<void> {
  for (let tries = 0; tries < 600; tries += 1) {
    if (await reachable(port)) return;
    await sleep(100);
  }
  throw new Error(`${what} did not start listening on 127.0.0.1:${port} within 60 s`);
}

/** The machine's NATS, started with the machine's own command if it is down. */
async function ensureService(port: number, what: string, command: string, args: string[]): Promise<void> {
  if (await reachable(port)) return;
  process.stderr.write(`${what} is not running; starting it: ${command} ${args.join(' ')}\n`);
  execFileSync(command, args, { stdio: 'inherit' });
  await waitForPort(port, what);
}

/** One measured child process; resolves with its JSON line. `onReady` hears its `ready` line. */
function runPeerChild(args: Array<string | number>, onReady?: () => void): Promise<Record<string, number>> {
  settleDisk();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(here, 'peer-child.js'), ...args.map(String)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (onReady !== undefined && out.startsWith('ready\n')) {
        out = out.slice('ready\n'.length);
        onReady();
        onReady = undefined;
      }
    });
    child.once('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out.trim().split('\n').pop()!) as Record<string, number>)
        : reject(new Error(`peer-child ${args.slice(0, 4).join(' ')} exited with ${code}`)),
    );
  });
}

async function measure(peer: Peer, rates: number[]): Promise<PeerFigures> {
  const figures: PeerFigures = { name: peer.name, client: peer.client, mode: peer.mode, produce: {}, consume: {}, latency: [] };
  for (const size of SIZES) {
    const target = { port: peer.port, destination: `bench_${size}_${Date.now()}` };
    await peer.prepare(target);
    const { sent, ...produced } = (await runPeerChild([
      peer.system,
      peer.port,
      target.destination,
      'produce',
      size,
      PRODUCE_SECONDS,
      CALLS_IN_FLIGHT,
    ])) as unknown as Throughput & {
      sent: number;
    };
    figures.produce[size] = produced;
    const reading = Math.min(sent, CONSUME_COUNT[size]!);
    figures.consume[size] = (await runPeerChild([peer.system, peer.port, target.destination, 'consume', size, reading, 0])) as unknown as Throughput;
    await peer.remove(target);
    process.stderr.write(
      `${peer.name} ${size} B: produce ${Math.round(figures.produce[size].msgsPerSec)}/s, consume ${Math.round(figures.consume[size].msgsPerSec)}/s\n`,
    );
  }
  for (const rate of rates) {
    const runs: LatencyRun[] = [];
    for (let run = 0; run < LATENCY_RUNS; run += 1) runs.push(await measureLatency(peer, rate));
    const byP99 = [...runs].sort((a, b) => a.p99ms - b.p99ms);
    figures.latency.push({ rate, ...byP99[Math.floor(byP99.length / 2)]!, p99Runs: runs.map((r) => r.p99ms) });
    process.stderr.write(`${peer.name} latency at ${rate}/s: p99 ${runs.map((r) => r.p99ms.toFixed(2)).join(', ')} ms\n`);
  }
  return figures;
}

/** One end-to-end run at `rate`, on a fresh destination. */
async function measureLatency(peer: Peer, rate: number): Promise<LatencyRun> {
  const target = { port: peer.port, destination: `latency_${rate}_${Date.now()}` };
  await peer.prepare(target);
  const count = rate * RATE_SECONDS;
  let ready: () => void = () => undefined;
  const subscribed = new Promise<void>((resolve) => (ready = resolve));
  const consumer = runPeerChild([peer.system, peer.port, target.destination, 'consume-latency', 100, count, rate], ready);
  await subscribed;
  await sleep(500); // let the consumer's first fetch or subscription settle before the clock starts
  await runPeerChild([peer.system, peer.port, target.destination, 'produce-at-rate', 100, count, rate]);
  const result = (await consumer) as unknown as LatencyRun;
  await peer.remove(target);
  return result;
}

/** A metaq broker process with one partition per topic, in the given flush mode. */
async function metaqPeer(mode: string, system: Record<string, number>, run: (peer: Peer) => Promise<PeerFigures>): Promise<PeerFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'metaq-peers-'));
  let broker: BrokerProcess | undefined;
  try {
    broker = await startBrokerProcess(writeConfig(dir, { dataPath: join(dir, 'data'), numPartitions: 1, ...system }));
    const noop = () => Promise.resolve();
    return await run({ name: 'metaq', system: 'metaq', client: METAQ_CLIENT, mode, port: broker.port, prepare: noop, remove: noop });
  } finally {
    await broker?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A private redis-server with the append-only file fsynced every second (its persistent mode). */
async function redisPeer(run: (peer: Peer) => Promise<PeerFigures>): Promise<PeerFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'metaq-peers-redis-'));
  const port = await freePort();
  const server = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', ''],
    { stdio: 'ignore' },
  );
  try {
    await waitForPort(port, 'redis-server');
    const target = (peerTarget: PeerTarget): Promise<void> => {
      execFileSync('redis-cli', ['-p', String(port), 'DEL', peerTarget.destination], { stdio: 'ignore' });
      return Promise.resolve();
    };
    return await run({
      name: 'Redis Streams',
      system: 'redis',
      client: `ioredis: \`pipeline()\` of ${PUBLISH_BATCH} XADDs per exec, each acked by its reply`,
      mode: 'AOF, appendfsync everysec: XADD acked once written to the AOF, fsync once a second',
      port,
      prepare: target,
      remove: target,
    });
  } finally {
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A private RabbitMQ node with the stream plugin; the stream protocol's client publishes and consumes. */
async function rabbitmqPeer(run: (peer: Peer) => Promise<PeerFigures>): Promise<PeerFigures> {
  const node = await startRabbitmqNode(waitForPort);
  try {
    return await run({
      name: 'RabbitMQ streams',
      system: 'rabbitmq',
      client: `rabbitmq-stream-js-client: publisher \`send\`, ${PUBLISH_BATCH} messages a publish frame, acked by publish confirms`,
      mode: 'stream, one node: confirmed once its chunk is written, no fsync per message',
      port: node.streamPort,
      prepare: prepareRabbitmq,
      remove: removeRabbitmq,
    });
  } finally {
    await node.stop();
  }
}

/** Raw framed request/ack over loopback between two Node processes. */
async function tcpCeiling(size: number, count: number): Promise<Throughput> {
  const server = spawn(process.execPath, [join(here, 'tcp-ceiling.js'), 'server'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<number>((resolve) =>
      server.stdout.once('data', (chunk: Buffer) => resolve((JSON.parse(chunk.toString()) as { port: number }).port)),
    );
    const out = execFileSync(process.execPath, [
      join(here, 'tcp-ceiling.js'),
      'client',
      String(port),
      String(size),
      String(count),
      String(PUBLISH_BATCH * CALLS_IN_FLIGHT),
    ]).toString();
    return JSON.parse(out) as Throughput;
  } finally {
    server.kill('SIGTERM');
  }
}

/** Sequential small writes each followed by fdatasync, for two seconds, on the temp file system. */
function fsyncRate(): number {
  const dir = mkdtempSync(join(tmpdir(), 'metaq-peers-fsync-'));
  const fd = openSync(join(dir, 'probe'), 'w');
  const record = Buffer.alloc(100, 'r');
  let syncs = 0;
  const started = performance.now();
  while (performance.now() - started < 2000) {
    writeSync(fd, record);
    fdatasyncSync(fd);
    syncs += 1;
  }
  const rate = syncs / ((performance.now() - started) / 1000);
  closeSync(fd);
  rmSync(dir, { recursive: true, force: true });
  return rate;
}

await ensureService(4222, 'NATS', 'start-stop-daemon', [
  '--start',
  '--oknodo',
  '--background',
  '--exec',
  '/usr/sbin/nats-server',
  '--',
  '-a',
  '127.0.0.1',
  '-p',
  '4222',
  '-js',
  '-sd',
  '/var/lib/nats-server',
  '-l',
  '/var/log/nats-server.log',
]);

const METAQ_CLIENT = `metaq client: \`producer.sendAll\` of ${PUBLISH_BATCH} messages a call, batched into sets (the default)`;
const all: PeerFigures[] = [];
all.push(
  await metaqPeer('normal flush: acked once written, fsync every 1,000 msgs or 10 s', { unflushThreshold: 1000, unflushInterval: 10_000 }, (peer) =>
    measure(peer, [RATE, 50_000]),
  ),
);
all.push(
  await metaqPeer('group commit: acked after the fsync that covers the message', { unflushThreshold: 0, unflushInterval: 10_000 }, (peer) =>
    measure(peer, [RATE, 50_000]),
  ),
);
all.push(
  await measure(
    {
      name: 'NATS JetStream',
      system: 'nats',
      client: `@nats-io/jetstream: ${PUBLISH_BATCH} \`js.publish\` outstanding a call, each awaiting its PubAck`,
      mode: 'file storage, server defaults: PubAck once stored, fsync on its 2 min sync interval, not per ack',
      port: 4222,
      prepare: prepareNats,
      remove: removeNats,
    },
    [RATE],
  ),
);
all.push(await rabbitmqPeer((peer) => measure(peer, [RATE])));
all.push(await redisPeer((peer) => measure(peer, [RATE])));
const tcp = { 100: await tcpCeiling(100, Math.round(2_000_000 * scale)), 1024: await tcpCeiling(1024, Math.round(500_000 * scale)) };
const fsyncs = fsyncRate();

const text = renderSection(all, {
  rateSeconds: RATE_SECONDS,
  produceSeconds: PRODUCE_SECONDS,
  consumeCounts: CONSUME_COUNT,
  latencyRuns: LATENCY_RUNS,
  tcp,
  fsyncs,
});
console.log(text);
if (!quick) {
  const path = join(root, 'BENCHMARKS.md');
  const current = readFileSync(path, 'utf8');
  const start = current.indexOf('<!-- peers:start -->');
  const end = current.indexOf('<!-- peers:end -->');
  const updated =
    start >= 0 && end > start
      ? current.slice(0, start) + text + current.slice(end + '<!-- peers:end -->'.length)
      : current.replace('<!-- analysis:start -->', `${text}\n\n<!-- analysis:start -->`);
  writeFileSync(path, updated);
}
