// `npm run bench -- --only latency`: end-to-end latency in group commit (issue 30). Each row on a
// fresh broker: a producer child at a fixed rate stamps every message with its send time, a
// consumer child records when it received it (same wall clock), and the windows of send time
// below pick what a row reports. LATENCY_ROWS (steady,cold,bulk), LATENCY_SIZES (100,1024) narrow a
// run; LATENCY_STRACE=FILE runs the broker under strace, writing its fsyncs and writes to FILE.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startBrokerProcess, writeConfig } from '../test/support/broker-process.js';
import type { BrokerProcess, SpawnVia } from '../test/support/broker-process.js';
import { settleDisk, waitForQuietCpu } from './child.js';
import { threadTimes } from './scheduler-wait.js';
import type { PhaseTimes, ProducePhase } from './latency-child.js';
import { p99BySecond, percentiles, readSamples } from './latency-samples.js';
import type { Percentiles, Window } from './latency-samples.js';

const CHILD = join(fileURLToPath(new URL('.', import.meta.url)), 'latency-child.js');
const RATE = 10_000;
/** The cold topics' rate: low, so that their first second adds their files' creation, not a doubled load, to the steady topic. */
const COLD_RATE = 1_000;
const COLD_TOPICS = 4;
const BULK_MESSAGES = 1_000_000;
/** Seconds of steady load before the bulk load starts, and at most measured after it ended. */
const BULK_LEAD_SECONDS = 5;
const AFTER_BULK_SECONDS = 20;

/** One line of the table. */
export interface LatencyRow {
  row: string;
  size: number;
  window: string;
  figures: Percentiles;
  /** Whether the row is held to the p99 ≤ 5 ms target. */
  target: boolean;
}

export interface LatencyRun {
  rows: LatencyRow[];
  /** The host's CPU use in the second before each row started, and the load average (1 min). */
  loads: string[];
  notes: string[];
}

/** A bench child whose stdout lines are watched: `lines` sees each, `result` is its last line parsed. */
function startChild(args: Array<string | number>, onLine: (line: string) => void = () => undefined): Promise<unknown> {
  const child = spawn(process.execPath, [CHILD, ...args.map(String)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let last = '';
  createInterface({ input: child.stdout }).on('line', (line) => {
    last = line;
    onLine(line);
  });
  return new Promise((resolve, reject) =>
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(last) as unknown) : reject(new Error(`latency-child ${args[0]} exited with ${code}`)))),
  );
}

/** Start a consumer child of `topics` and resolve once it has subscribed. */
async function startConsumer(port: number, topics: string[], count: number, file: string): Promise<{ done: Promise<unknown> }> {
  let ready: () => void = () => undefined;
  const subscribed = new Promise<void>((resolve) => (ready = resolve));
  const done = startChild(['consume', port, topics.join(','), count, file], (line) => line === 'ready' && ready());
  await Promise.race([subscribed, done]);
  return { done };
}

const strace = process.env['LATENCY_STRACE'];
const viaStrace: SpawnVia = (command, args) => [
  'strace',
  ['-f', '-T', '-tt', '--seccomp-bpf', '-e', 'trace=openat,fdatasync,fsync,pwrite64,pwritev', '-o', strace!, command, ...args],
];

/** A fresh group-commit broker in a temporary directory for `work`, stopped and removed after. */
async function withBroker<T>(label: string, notes: string[], work: (broker: BrokerProcess, dir: string) => Promise<T>): Promise<T> {
  settleDisk();
  const dir = mkdtempSync(join(tmpdir(), 'metaq-bench-latency-'));
  const config = writeConfig(dir, { dataPath: join(dir, 'data'), unflushThreshold: 0, unflushInterval: 10_000 });
  const broker = await startBrokerProcess(config, strace === undefined ? {} : { spawnVia: viaStrace });
  // Under strace the child is strace: the broker is its child.
  const brokerPid =
    strace === undefined
      ? broker.child.pid!
      : Number(
          execFileSync('pgrep', ['-P', String(broker.child.pid)])
            .toString()
            .trim(),
        );
  try {
    const before = threadTimes(brokerPid);
    const started = performance.now();
    const result = await work(broker, dir);
    const after = threadTimes(brokerPid);
    const cpu = after.cpuSeconds - before.cpuSeconds;
    const waited = after.runnableWaitSeconds - before.runnableWaitSeconds;
    const mainWaited = after.mainWaitSeconds - before.mainWaitSeconds;
    notes.push(
      `${label}: broker threads ran ${cpu.toFixed(1)} s and waited runnable for a CPU ${waited.toFixed(1)} s (the event loop's thread ${mainWaited.toFixed(1)} s) in ${((performance.now() - started) / 1000).toFixed(0)} s`,
    );
    return result;
  } finally {
    // strace does not pass SIGTERM on: stop the broker it runs by its PID.
    if (strace === undefined) await broker.kill('SIGTERM');
    else {
      process.kill(brokerPid, 'SIGTERM');
      await broker.exited;
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

const phase = (topic: string, seconds: number, stamped: boolean, pauseMs = 0): ProducePhase => ({ topic, seconds, stamped, pauseMs });
const warmAndSteady = (seconds: number): ProducePhase[] => [phase('steady', 1, false), phase('steady', seconds, true)];

/** Steady: 10,000 msgs/s for 30 s to a topic warmed by a second at the same rate. */
async function steadyRows(size: number, notes: string[]): Promise<LatencyRow[]> {
  return withBroker(`steady ${size} B`, notes, async (broker, dir) => {
    const file = join(dir, 'steady.samples');
    const consumer = await startConsumer(broker.port, ['steady'], RATE * 31, file);
    await startChild(['produce', broker.port, size, RATE, JSON.stringify(warmAndSteady(30))]);
    await consumer.done;
    return [{ row: 'steady', size, window: '30 s at 10,000 msgs/s', figures: percentiles(readSamples(file)), target: true }];
  });
}

/** Cold topics: while the steady topic runs, brand-new topics start every 3 s; their first second, and the steady topic's during it. */
async function coldRows(size: number, notes: string[]): Promise<LatencyRow[]> {
  return withBroker(`cold ${size} B`, notes, async (broker, dir) => {
    const steadyFile = join(dir, 'steady.samples');
    const coldFile = join(dir, 'cold.samples');
    const coldPlan = [phase('coldwarm', 1, false, 2000)];
    for (let k = 1; k <= COLD_TOPICS; k += 1) coldPlan.push(phase(`cold${k}`, 1, true, 2000));
    const steadySeconds = coldPlan.length * 3;
    const steadyConsumer = await startConsumer(broker.port, ['steady'], RATE * (1 + steadySeconds), steadyFile);
    const coldTopics = coldPlan.map((p) => p.topic);
    const coldConsumer = await startConsumer(broker.port, coldTopics, COLD_RATE * coldPlan.length, coldFile);
    const [, coldTimes] = await Promise.all([
      startChild(['produce', broker.port, size, RATE, JSON.stringify(warmAndSteady(steadySeconds))]),
      startChild(['produce', broker.port, size, COLD_RATE, JSON.stringify(coldPlan)]) as Promise<PhaseTimes[]>,
    ]);
    await Promise.all([steadyConsumer.done, coldConsumer.done]);
    const windows: Window[] = coldTimes.slice(1).map((t) => ({ fromUs: t.firstUs, toUs: t.firstUs + 1e6 }));
    const steady = readSamples(steadyFile);
    const cold = readSamples(coldFile);
    notes.push(`cold ${size} B: each cold topic's first-second p99 ${windows.map((w) => percentiles(cold, [w]).p99ms.toFixed(2)).join(', ')} ms`);
    return [
      { row: 'cold topic', size, window: `first second of ${COLD_TOPICS} new topics at 1,000 msgs/s each`, figures: percentiles(cold, windows), target: true },
      { row: 'cold topic', size, window: 'the steady topic (10,000 msgs/s) during those seconds', figures: percentiles(steady, windows), target: true },
      { row: 'cold topic', size, window: `the steady topic over the whole ${steadySeconds} s`, figures: percentiles(steady), target: true },
    ];
  });
}

/** Neighbour bulk load: the steady topic before, during and after 1,000,000 × 1 KiB sent as fast as possible to another topic. */
async function bulkRows(size: number, notes: string[]): Promise<LatencyRow[]> {
  return withBroker(`bulk ${size} B`, notes, async (broker, dir) => {
    const file = join(dir, 'steady.samples');
    const seconds = 45;
    const consumer = await startConsumer(broker.port, ['steady'], RATE * (1 + seconds), file);
    let timedUs = 0;
    let startBulk: () => void = () => undefined;
    const timed = new Promise<void>((resolve) => (startBulk = resolve));
    const producing = startChild(['produce', broker.port, size, RATE, JSON.stringify(warmAndSteady(seconds))], (line) => {
      const match = /^timed steady (\S+)$/.exec(line);
      if (match) {
        timedUs = Number(match[1]);
        startBulk();
      }
    });
    await timed;
    await new Promise((resolve) => setTimeout(resolve, BULK_LEAD_SECONDS * 1000));
    const bulk = (await startChild(['bulk', broker.port, 'bulk', 1024, BULK_MESSAGES])) as { startUs: number; endUs: number; msgsPerSec: number };
    await producing;
    await consumer.done;
    const samples = readSamples(file);
    const endUs = timedUs + seconds * 1e6;
    const afterUs = Math.min(endUs, bulk.endUs + AFTER_BULK_SECONDS * 1e6);
    const bulkSeconds = (bulk.endUs - bulk.startUs) / 1e6;
    notes.push(
      `bulk ${size} B: bulk load ${new Date(bulk.startUs / 1000).toISOString().slice(11, 23)}–${new Date(bulk.endUs / 1000).toISOString().slice(11, 23)} UTC, ${bulkSeconds.toFixed(1)} s (${Math.round(bulk.msgsPerSec).toLocaleString('en')} msgs/s); steady p99 per second from ${new Date(timedUs / 1000).toISOString().slice(11, 19)} UTC: ${p99BySecond(
        samples,
        timedUs,
        seconds,
      )
        .map((p) => p.toFixed(1))
        .join(' ')}`,
    );
    const during = `during the bulk load (${bulkSeconds.toFixed(1)} s)`;
    return [
      {
        row: 'neighbour bulk load',
        size,
        window: `before it (${BULK_LEAD_SECONDS} s)`,
        figures: percentiles(samples, [{ fromUs: timedUs, toUs: bulk.startUs }]),
        target: true,
      },
      { row: 'neighbour bulk load', size, window: during, figures: percentiles(samples, [{ fromUs: bulk.startUs, toUs: bulk.endUs }]), target: true },
      {
        row: 'neighbour bulk load',
        size,
        window: `right after it (${((afterUs - bulk.endUs) / 1e6).toFixed(0)} s)`,
        figures: percentiles(samples, [{ fromUs: bulk.endUs, toUs: afterUs }]),
        target: true,
      },
    ];
  });
}

export async function runLatencyBench(): Promise<LatencyRun> {
  const wanted = (process.env['LATENCY_ROWS'] ?? 'steady,cold,bulk').split(',');
  const sizes = (process.env['LATENCY_SIZES'] ?? '100,1024').split(',').map(Number);
  const run: LatencyRun = { rows: [], loads: [], notes: [] };
  for (const size of sizes) {
    for (const [name, rows] of [
      ['steady', () => steadyRows(size, run.notes)],
      ['cold', () => coldRows(size, run.notes)],
      ['bulk', () => bulkRows(size, run.notes)],
    ] as const) {
      if (!wanted.includes(name)) continue;
      const busy = await waitForQuietCpu();
      run.loads.push(`${name} ${size} B: ${(busy * 100).toFixed(0)} % busy, load ${loadavg()[0]!.toFixed(2)}`);
      run.rows.push(...(await rows()));
      process.stderr.write(`latency ${name} ${size} B done\n`);
    }
  }
  return run;
}

export function latencySection(run: LatencyRun): string {
  const ms = (value: number): string => (Number.isNaN(value) ? '–' : value.toFixed(2));
  const lines = run.rows.map(
    (r) =>
      `| ${r.row} | ${r.size} B | ${r.window} | ${r.figures.messages.toLocaleString('en')} | ${ms(r.figures.p50ms)} | ${ms(r.figures.p99ms)} | ${ms(r.figures.p999ms)} | ${ms(r.figures.maxMs)} | ${r.target ? (r.figures.p99ms <= 5 ? 'met' : '**not met**') : ''} |`,
  );
  return `## Latency in group commit

End to end (the producer's send to the consumer's receipt, both on the wall clock) through the client library, group commit (\`unflushThreshold=0\`), each row on a fresh broker, the producer at a fixed rate after an untimed second at the same rate. **steady**: 10,000 msgs/s for 30 s to one topic. **cold topic**: while one topic takes 10,000 msgs/s, a brand-new topic starts every 3 s at ${COLD_RATE.toLocaleString('en')} msgs/s (its partition's directory, files and indexes made by its first puts): its first second, and the steady topic during those seconds. **neighbour bulk load**: the steady topic while a second producer sends ${BULK_MESSAGES.toLocaleString('en')} × 1 KiB to another topic as fast as 2,000 in flight allow, before, during and right after it. Target: p99 ≤ 5 ms.

| row | size | window | messages | p50 ms | p99 ms | p99.9 ms | max ms | p99 ≤ 5 ms |
|---|---|---|---|---|---|---|---|---|
${lines.join('\n')}

Each row starts once the host's CPUs were at least 90 % idle for a second (at most a minute's wait), so it does not carry the section before it. CPU busy in that second and the load average (1 min) as each row started: ${run.loads.join('; ')}.
${run.notes.map((n) => `\n- ${n}`).join('')}
`;
}
