// `npm run soak`: mixed load for SOAK_MINUTES (default 60) against one broker process that is
// killed with SIGKILL and restarted every SOAK_KILL_SECONDS (default 120), sampling the broker's
// memory, open file descriptors and segment files; prints the soak section of BENCHMARKS.md
// (the long-running tier of docs/testing.md).
import { readdirSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MetaqClient } from '../src/client/index.js';
import { startBrokerProcess, writeConfig } from '../test/support/broker-process.js';
import type { BrokerProcess } from '../test/support/broker-process.js';
import { processFootprint } from '../test/support/process-footprint.js';

const minutes = Number(process.env.SOAK_MINUTES ?? 60);
const killEverySeconds = Number(process.env.SOAK_KILL_SECONDS ?? 120);
const sampleEverySeconds = Math.max(5, Math.min(60, (minutes * 60) / 30));
const TOPIC = 'soak';
const PARTITIONS = 4;

interface Sample {
  atSeconds: number;
  rssMb: number;
  fds: number;
  segments: number;
  acked: number;
  consumed: number;
  restarts: number;
}

function countSegments(dataPath: string): number {
  let count = 0;
  for (const dir of readdirSync(dataPath, { withFileTypes: true })) {
    if (dir.isDirectory()) count += readdirSync(join(dataPath, dir.name)).filter((name) => name.endsWith('.meta')).length;
  }
  return count;
}

const dir = mkdtempSync(join(tmpdir(), 'metaq-soak-'));
const dataPath = join(dir, 'data');
// Small segments and a one-minute retention every ten seconds: rolling and deletion run all along.
const config = writeConfig(dir, {
  dataPath,
  numPartitions: PARTITIONS,
  maxSegmentSize: 4 * 1024 * 1024,
  deletePolicy: 'delete,60s',
  deleteWhen: '*/10 * * * * ?',
  unflushThreshold: 1000,
});
let broker: BrokerProcess = await startBrokerProcess(config);
const port = broker.port;
const url = `meta://127.0.0.1:${port}`;
const producerClient = new MetaqClient({ serverUrl: url, partitions: { [TOPIC]: PARTITIONS } });
const consumerClient = new MetaqClient({ serverUrl: url, partitions: { [TOPIC]: PARTITIONS } });
let acked = 0;
let consumed = 0;
let restarts = 0;
let running = true;

// Mixed load: batches and single sends, 1 KiB and 100 B, a few thousand messages a second.
const producing = (async () => {
  const producer = producerClient.producer();
  const small = Buffer.alloc(100, 's');
  const large = Buffer.alloc(1024, 'l');
  while (running) {
    const batch = Array.from({ length: 200 }, (_, i) => ({ topic: TOPIC, data: i % 4 === 0 ? large : small }));
    const sent = await producer.sendBatch(batch, { timeoutMs: 5000 }).then(
      (r) => r.count,
      () => 0,
    );
    acked += sent;
    acked += await producer.send({ topic: TOPIC, data: small }, { timeoutMs: 5000 }).then(
      () => 1,
      () => 0,
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
})();
const consumer = consumerClient.consumer({ group: 'soak', maxDelayFetchMs: 100 }).subscribe(TOPIC);
await consumer.runBatches((batch) => void (consumed += batch.length));

const samples: Sample[] = [];
const started = performance.now();
let lastKill = started;
const sample = (): void => {
  samples.push({
    atSeconds: Math.round((performance.now() - started) / 1000),
    ...processFootprint(broker.child.pid ?? 0),
    segments: countSegments(dataPath),
    acked,
    consumed,
    restarts,
  });
  console.error(JSON.stringify(samples.at(-1)));
};
while (performance.now() - started < minutes * 60_000) {
  await new Promise((resolve) => setTimeout(resolve, sampleEverySeconds * 1000));
  if (performance.now() - lastKill >= killEverySeconds * 1000) {
    await broker.kill('SIGKILL');
    broker = await startBrokerProcess(config, { port });
    restarts += 1;
    lastKill = performance.now();
  }
  sample();
}
running = false;
await producing;
await consumer.close();
await Promise.all([producerClient.close(), consumerClient.close()]);
await broker.kill('SIGTERM');
rmSync(dir, { recursive: true, force: true });

// Every tenth sample and the last: the ranges below cover them all.
const shown = samples.filter((_, index) => index === 0 || index % 10 === 9 || index === samples.length - 1);
const range = (values: number[]): string => `${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)}`;
const behind = Math.max(0, ...samples.map((s) => s.acked - s.consumed));
// Printed between the markers that `npm run bench` keeps: paste it over the soak section of BENCHMARKS.md.
console.log(`<!-- soak:start -->
## Soak (\`npm run soak\`, measured ${new Date().toISOString().slice(0, 10)})

${minutes} minutes of mixed load (sendBatch of 200 and single sends, 100 B and 1 KiB, ${PARTITIONS} partitions, one consumer group), the broker killed with SIGKILL and restarted every ${killEverySeconds} s (${restarts} restarts), 4 MiB segments deleted after a minute, sampled every ${sampleEverySeconds} s; every tenth sample shown.

| s | broker RSS MB | open fds | segment files | acked | consumed | restarts |
|---|---|---|---|---|---|---|
${shown.map((s) => `| ${s.atSeconds} | ${s.rssMb.toFixed(0)} | ${s.fds} | ${s.segments} | ${s.acked.toLocaleString('en')} | ${s.consumed.toLocaleString('en')} | ${s.restarts} |`).join('\n')}

Over the run: broker RSS ${range(samples.map((s) => s.rssMb))} MB, open descriptors ${range(samples.map((s) => s.fds))}, segment files ${range(samples.map((s) => s.segments))}; ${(samples.at(-1)?.acked ?? 0).toLocaleString('en')} messages acked through ${restarts} restarts, the consumer group at most ${behind.toLocaleString('en')} messages behind at any sample.
<!-- soak:end -->`);
process.exit(0);
