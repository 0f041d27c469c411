// "Many partitions": what a broker holding thousands of partitions costs at start, at stop and per scrape.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CLI } from '../test/support/broker-process.js';
import { put, WireSession } from '../test/support/wire-client.js';

export interface ManyPartitionsRun {
  partitions: number;
  createSeconds: number;
  openFds: number;
  /** Broker peak RSS (VmHWM) once every partition was created and scraped. */
  peakRssMb: number;
  metricsBytes: number;
  scrapeMs: number;
  stopSeconds: number;
  stopExit: number | null;
  startAfterStopSeconds: number;
  startAfterKillSeconds: number;
}

interface Running {
  pid: number;
  port: number;
  metricsUrl: Promise<string>;
  exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
}

/** Start `cli server` under `ulimit -n descriptors`; resolves once it listens. */
function start(cli: string, config: string, descriptors: number): Promise<Running> {
  const child = spawn(
    'bash',
    ['-c', `ulimit -n ${descriptors} && exec "$0" "$@"`, process.execPath, cli, 'server', '--config', config, '--port', '0', '--http-port', '0'],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, METAQ_LOG_LEVEL: 'warn' } },
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let gotMetrics: (url: string) => void = () => undefined;
  const metricsUrl = new Promise<string>((resolve) => (gotMetrics = resolve));
  return new Promise((resolve, reject) => {
    // The banners come on stderr; stdout is the JSON log.
    createInterface({ input: child.stderr }).on('line', (line) => {
      const listening = /listening on meta:\/\/[^:]+:(\d+)/.exec(line);
      if (listening) resolve({ pid: child.pid!, port: Number(listening[1]), metricsUrl, exited, kill: (signal) => child.kill(signal) });
      if (line.startsWith('metrics ')) gotMetrics(line.slice('metrics '.length));
    });
    void exited.then((code) => reject(new Error(`broker exited with ${code} before listening: ${stderr.slice(-500)}`)));
  });
}

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const value = await work();
  return [value, (performance.now() - started) / 1000];
}

/**
 * Create `partitions` topics of one partition with one put each, then measure descriptors,
 * /metrics, a clean stop, a start after it and a start after kill -9. `cli` lets an older
 * build be measured the same way (`limits: ''` for one without these keys); `descriptors` is
 * the `ulimit -n` it runs under.
 */
export async function runManyPartitionsBench(
  partitions: number,
  cli = CLI,
  descriptors = 20_000,
  limits = 'maxTopics=0\nmaxPartitions=0\n',
): Promise<ManyPartitionsRun> {
  const dir = mkdtempSync(join(tmpdir(), 'metaq-bench-partitions-'));
  const config = join(dir, 'server.ini');
  // The built-in configuration's group commit and [topic=*], with room for the run's partitions.
  writeFileSync(config, `[system]\ndataPath=${join(dir, 'data')}\nunflushThreshold=0\nloadMessageStoresInParallel=true\n${limits}[topic=*]\n`);
  try {
    const broker = await start(cli, config, descriptors);
    const sessions = await Promise.all(Array.from({ length: 8 }, () => WireSession.open('127.0.0.1', broker.port)));
    const [, createSeconds] = await timed(() =>
      Promise.all(
        sessions.map(async (session, s) => {
          for (let i = s; i < partitions; i += sessions.length) {
            const reply = await put(session, `bench${i}`, 0, `message ${i}`);
            if (reply.code !== 200) throw new Error(`put to bench${i}: ${reply.code} ${reply.text}`);
          }
        }),
      ),
    );
    await Promise.all(sessions.map((session) => session.close()));
    const openFds = readdirSync(`/proc/${broker.pid}/fd`).length;
    const url = await broker.metricsUrl;
    let metricsBytes = 0;
    const scrapes: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      const [text, seconds] = await timed(async () => (await fetch(url)).text());
      metricsBytes = text.length;
      scrapes.push(seconds * 1000);
    }
    scrapes.sort((a, b) => a - b);
    const peakRssMb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${broker.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
    const [stopExit, stopSeconds] = await timed(() => {
      broker.kill('SIGTERM');
      return broker.exited;
    });
    const [restarted, startAfterStopSeconds] = await timed(() => start(cli, config, descriptors));
    restarted.kill('SIGKILL');
    await restarted.exited;
    const [afterKill, startAfterKillSeconds] = await timed(() => start(cli, config, descriptors));
    afterKill.kill('SIGTERM');
    await afterKill.exited;
    return {
      partitions,
      createSeconds,
      openFds,
      peakRssMb,
      metricsBytes,
      scrapeMs: scrapes[1]!,
      stopSeconds,
      stopExit,
      startAfterStopSeconds,
      startAfterKillSeconds,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function manyPartitionsSection(run: ManyPartitionsRun): string {
  return `## Many partitions

${run.partitions} topics of one partition, one message each, created over 8 connections at default settings (no limits), under \`ulimit -n 20000\` (partition files: half of it). Targets: start after kill -9 ≤ 10 s, clean stop ≤ 5 s, RSS ≤ 1 GiB, \`/metrics\` ≤ 1 MB and ≤ 200 ms.

| created in | open descriptors | broker peak RSS | /metrics | scrape | clean stop | start after stop | start after kill -9 |
|---|---|---|---|---|---|---|---|
| ${run.createSeconds.toFixed(1)} s | ${run.openFds} | ${run.peakRssMb.toFixed(0)} MB | ${(run.metricsBytes / 1024).toFixed(0)} kB | ${run.scrapeMs.toFixed(0)} ms | ${run.stopSeconds.toFixed(1)} s (exit ${run.stopExit}) | ${run.startAfterStopSeconds.toFixed(1)} s | ${run.startAfterKillSeconds.toFixed(1)} s |
`;
}
