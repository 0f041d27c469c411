import { writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { AdminServer } from '../src/admin/admin-server.js';
import { Broker } from '../src/broker/broker.js';
import { loadBrokerConfig } from '../src/broker/config/load-config.js';
import { MetaqClient } from '../src/client/index.js';
import { defaultThresholds } from '../src/cli/monitor/broker-checks.js';
import { runMonitor } from '../src/cli/monitor/monitor.js';

export interface OperationsResult {
  partitions: number;
  scrapeP50Ms: number;
  scrapeMaxMs: number;
  expositionBytes: number;
  httpPutsPerSec: number;
  httpGetMbPerSec: number;
  wirePutsPerSec: number;
  monitorRoundMs: number;
  monitorAlerts: number;
}

/** `metaq monitor` rounds back to back: four admin API reads and a probe round trip each. */
async function monitorRounds(adminUrl: string, rounds: number): Promise<{ roundMs: number; alerts: number }> {
  const sink = { write: () => true } as unknown as NodeJS.WritableStream;
  const options = {
    brokers: [adminUrl],
    token: 'bench',
    rounds,
    intervalMs: 0,
    json: true,
    probe: { topic: 'meta-monitor-topic', group: 'meta-monitor-receive', sendTimeoutMs: 3000, receiveTimeoutMs: 3000 },
    thresholds: { ...defaultThresholds, diskUsed: 1.01, loadPerCpu: 1e9 },
    ignoredGroups: ['meta-monitor-receive'],
  };
  let alerts = 0;
  const seconds = await timed(async () => {
    alerts = await runMonitor(options, sink, undefined);
  });
  return { roundMs: (seconds * 1000) / rounds, alerts };
}

async function timed(run: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await run();
  return (performance.now() - started) / 1000;
}

/**
 * The HTTP side's costs: a /metrics scrape of a broker with many partitions, and MetaQ's HTTP
 * front end against the wire for the same client puts (group commit, 1 KiB, 64 in flight).
 */
export async function runOperationsBench(scale: number): Promise<OperationsResult> {
  const dir = mkdtempSync(join(tmpdir(), 'metaq-bench-ops-'));
  const topics = 100;
  const partitionsPerTopic = 8;
  const ini = join(dir, 'server.ini');
  writeFileSync(ini, `[system]\ndataPath=${join(dir, 'data')}\nunflushThreshold=0\nnumPartitions=${partitionsPerTopic}\n[topic=*]\n`);
  const config = await loadBrokerConfig(ini);
  config.system.serverPort = 0;
  const broker = await Broker.start({ config, logger: pino({ level: 'warn' }), host: '127.0.0.1' });
  const admin = await AdminServer.start(broker, { port: 0, host: '127.0.0.1', token: 'bench' });
  try {
    const wire = new MetaqClient({
      serverUrl: broker.url,
      partitions: Object.fromEntries(Array.from({ length: topics }, (_, t) => [`t${t}`, partitionsPerTopic])),
    });
    const producer = wire.producer();
    // One message in every partition, so every series exists.
    await Promise.all(Array.from({ length: topics * partitionsPerTopic }, (_, i) => producer.send({ topic: `t${i % topics}`, data: 'x', key: String(i) })));
    const scrapes: number[] = [];
    let expositionBytes = 0;
    for (let i = 0; i < 30; i += 1) {
      const started = performance.now();
      const text = await (await fetch(`${admin.url}/metrics`)).text();
      scrapes.push(performance.now() - started);
      expositionBytes = text.length;
    }
    scrapes.sort((a, b) => a - b);
    const count = Math.max(2000, Math.round(20_000 * scale));
    const payload = Buffer.alloc(1024, 'a');
    const putAll = async (client: MetaqClient): Promise<number> => {
      const sender = client.producer();
      let next = 0;
      const seconds = await timed(async () => {
        await Promise.all(
          Array.from({ length: 64 }, async () => {
            while (next < count) {
              next += 1;
              await sender.send({ topic: 'bench', data: payload });
            }
          }),
        );
      });
      return count / seconds;
    };
    const http = new MetaqClient({ serverUrl: admin.url, partitions: { bench: partitionsPerTopic } });
    const httpPutsPerSec = await putAll(http);
    const wirePutsPerSec = await putAll(wire);
    let bytes = 0;
    const readSeconds = await timed(async () => {
      let offset = 0;
      for (;;) {
        const response = await fetch(`${admin.url}/get?topic=bench&partition=0&group=bench&offset=${offset}&maxsize=1048576`);
        if (response.status !== 200) break;
        const body = Buffer.from(await response.arrayBuffer());
        bytes += body.length;
        let at = 0;
        while (at + 20 <= body.length && at + 20 + body.readInt32BE(at) <= body.length) at += 20 + body.readInt32BE(at);
        offset += at;
      }
    });
    await http.close();
    await wire.close();
    const monitor = await monitorRounds(admin.url, 50);
    return {
      monitorRoundMs: monitor.roundMs,
      monitorAlerts: monitor.alerts,
      partitions: topics * partitionsPerTopic,
      scrapeP50Ms: scrapes[Math.floor(scrapes.length / 2)]!,
      scrapeMaxMs: scrapes[scrapes.length - 1]!,
      expositionBytes,
      httpPutsPerSec,
      httpGetMbPerSec: bytes / 1e6 / readSeconds,
      wirePutsPerSec,
    };
  } finally {
    await admin.close();
    await broker.stop();
  }
}

export function operationsSection(r: OperationsResult): string {
  return `## Operations: metrics and the HTTP front end

One broker with ${r.partitions} partitions (100 topics × 8); the same client puts (1 KiB, 64 in flight, group commit) over HTTP and over the wire.

| measurement | value |
|---|---|
| \`/metrics\` scrape, ${r.partitions} partitions: p50 / max | ${r.scrapeP50Ms.toFixed(1)} ms / ${r.scrapeMaxMs.toFixed(1)} ms |
| exposition size | ${(r.expositionBytes / 1024).toFixed(0)} KiB |
| client puts over HTTP (\`http://\`) | ${Math.round(r.httpPutsPerSec).toLocaleString('en')} msgs/s |
| the same puts over the wire (\`meta://\`) | ${Math.round(r.wirePutsPerSec).toLocaleString('en')} msgs/s |
| HTTP \`/get\` of partition 0 | ${r.httpGetMbPerSec.toFixed(0)} MB/s |
| \`metaq monitor\` round against this broker (4 admin reads, probe send + fetch) | ${r.monitorRoundMs.toFixed(1)} ms (${r.monitorAlerts} alerts over 50 rounds) |
`;
}
