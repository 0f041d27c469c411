// The "Install and topic administration" section: what `npm install` brings, how quickly the
// command line answers, and what a topic change costs on a broker that already has many topics.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pino from 'pino';
import { AdminServer } from '../src/admin/admin-server.js';
import { Broker } from '../src/broker/broker.js';
import { loadBrokerConfig } from '../src/broker/config/load-config.js';
import { startZookeeper } from '../test/support/zookeeper-server.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(root, 'bin/metaq.cjs');
const TOKEN = 'bench';

export interface PackageFigures {
  name: string;
  tarballBytes: number;
  files: number;
  /** Packages in node_modules after `npm install` of the tarball into an empty project. */
  installedPackages: number;
  installedBytes: number;
}

export interface TopicChangeFigures {
  mode: string;
  existingTopics: number;
  createP50Ms: number;
  createP99Ms: number;
  alterP50Ms: number;
  deleteP50Ms: number;
}

export interface ShippingResult {
  packages: PackageFigures[];
  versionMs: number;
  topicListMs: number;
  changes: TopicChangeFigures[];
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function duBytes(dir: string): number {
  return Number(execFileSync('du', ['-sb', dir], { encoding: 'utf8' }).split('\t')[0]);
}

/** Pack `dir`, install the tarball into an empty project from the npm cache, and measure both. */
async function packageFigures(dir: string, extra: string[] = []): Promise<PackageFigures> {
  const work = mkdtempSync(join(tmpdir(), 'metaq-ship-'));
  try {
    const [info] = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: dir, encoding: 'utf8' })) as Array<{
      name: string;
      filename: string;
      size: number;
      entryCount: number;
    }>;
    const project = join(work, 'app');
    execFileSync('mkdir', ['-p', project]);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'app', private: true }));
    const tarballs = [join(work, info!.filename), ...extra];
    await promisify(execFile)('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--omit=dev', ...tarballs], { cwd: project });
    const modules = join(project, 'node_modules');
    const packages = readdirSync(modules).flatMap((name) =>
      name.startsWith('@') ? readdirSync(join(modules, name)).map((inner) => `${name}/${inner}`) : name.startsWith('.') ? [] : [name],
    );
    return { name: info!.name, tarballBytes: info!.size, files: info!.entryCount, installedPackages: packages.length, installedBytes: duBytes(modules) };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function medianRunMs(args: string[], runs: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await promisify(execFile)(process.execPath, [CLI, ...args]);
    times.push(performance.now() - started);
  }
  return quantile(times, 0.5);
}

async function api(url: string, method: string, path: string, body?: unknown): Promise<void> {
  const response = await fetch(`${url}/api${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  await response.arrayBuffer();
}

async function timedMs(run: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

/** A broker from a server.ini with `existing` topic sections; create, alter and delete `samples` more through the admin API. */
async function topicChanges(
  mode: string,
  existing: number,
  samples: number,
  zookeeper?: string,
  whileRunning?: (adminUrl: string) => Promise<void>,
): Promise<TopicChangeFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'metaq-topics-'));
  const sections = Array.from({ length: existing }, (_, i) => `[topic=existing-${String(i).padStart(5, '0')}]\nnumPartitions=1\n`).join('');
  const zk = zookeeper === undefined ? '' : `[zookeeper]\nzk.zkConnect=${zookeeper}\nzk.zkSyncTimeMs=10\n`;
  const file = join(dir, 'server.ini');
  writeFileSync(file, `[system]\nbrokerId=7\ndataPath=${join(dir, 'data')}\nunflushThreshold=0\nmaxTopics=0\nmaxPartitions=0\n${zk}\n[topic=*]\n${sections}`);
  const config = await loadBrokerConfig(file);
  config.system.serverPort = 0;
  const broker = await Broker.start({ config, logger: pino({ level: 'silent' }), host: '127.0.0.1' });
  const admin = await AdminServer.start(broker, { port: 0, host: '127.0.0.1', token: TOKEN });
  const creates: number[] = [];
  const alters: number[] = [];
  const deletes: number[] = [];
  for (let i = 0; i < samples; i++) creates.push(await timedMs(() => api(admin.url, 'POST', '/topics', { topic: `made-${i}`, partitions: 4 })));
  for (let i = 0; i < samples; i++) alters.push(await timedMs(() => api(admin.url, 'PATCH', `/topics/made-${i}`, { partitions: 8 })));
  for (let i = 0; i < samples; i++) deletes.push(await timedMs(() => api(admin.url, 'DELETE', `/topics/made-${i}`)));
  try {
    await whileRunning?.(admin.url);
  } finally {
    await admin.close();
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    mode,
    existingTopics: existing,
    createP50Ms: quantile(creates, 0.5),
    createP99Ms: quantile(creates, 0.99),
    alterP50Ms: quantile(alters, 0.5),
    deleteP50Ms: quantile(deletes, 0.5),
  };
}

export async function runShippingBench(scale: number): Promise<ShippingResult> {
  const packages = [await packageFigures(join(root, 'packages/client')), await packageFigures(root)];
  const versionMs = await medianRunMs(['--version'], 10);
  const samples = Math.max(20, Math.round(100 * scale));
  const changes: TopicChangeFigures[] = [];
  let topicListMs = 0;
  const many = Math.round(10_000 * scale);
  changes.push(await topicChanges('standalone', 10, samples));
  changes.push(
    await topicChanges('standalone', many, samples, undefined, async (adminUrl) => {
      topicListMs = await medianRunMs(['topic', 'list', '--admin', adminUrl, '--token', TOKEN], 5);
    }),
  );
  const zookeeper = await startZookeeper();
  try {
    for (const existing of [10, many]) changes.push(await topicChanges('cluster (ZooKeeper)', existing, samples, zookeeper.connect));
  } finally {
    await zookeeper.stop();
  }
  return { packages, versionMs, topicListMs, changes };
}

const n = (value: number): string => Math.round(value).toLocaleString('en-US');
const ms = (value: number): string => `${value.toFixed(1)} ms`;

export function shippingSection(r: ShippingResult): string {
  const packageRows = r.packages.map(
    (p) =>
      `| \`${p.name}\` | ${n(p.tarballBytes / 1024)} KiB, ${n(p.files)} files | ${n(p.installedPackages)} | ${(p.installedBytes / 1024 / 1024).toFixed(1)} MiB |`,
  );
  const changeRows = r.changes.map(
    (c) => `| ${c.mode} | ${n(c.existingTopics)} | ${ms(c.createP50Ms)} / ${ms(c.createP99Ms)} | ${ms(c.alterP50Ms)} | ${ms(c.deleteP50Ms)} |`,
  );
  return `## Install and topic administration

What \`npm install\` of each packed tarball brings into an empty project (from the npm cache, \`--omit=dev\`), and how long the command line takes.

| package | tarball | packages installed | node_modules |
|---|---|---|---|
${packageRows.join('\n')}

| command | median |
|---|---|
| \`metaq --version\` (Node start-up included) | ${ms(r.versionMs)} |
| \`metaq topic list\` of ${n(r.changes[1]?.existingTopics ?? 0)} topics (one admin API page of 1,000 at a time) | ${ms(r.topicListMs)} |

A topic change through the admin API (\`POST\`, \`PATCH\`, \`DELETE /api/topics\`) on a broker whose server.ini already has the given number of topic sections; each change rewrites and fsyncs server.ini and, in cluster mode, writes the changed topic's znodes. Create and alter touch no partition store (stores are created by the first put); delete removes an empty topic.

| mode | topics already | create p50 / p99 | alter p50 | delete p50 |
|---|---|---|---|---|
${changeRows.join('\n')}
`;
}
