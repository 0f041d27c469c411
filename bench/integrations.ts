import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { defaultTailOptions, TailAgent } from '../src/integrations/tail/tail-agent.js';
import { startBrokerProcess, writeConfig } from '../test/support/broker-process.js';
import { NodeFileIO } from '../src/broker/index.js';
import { keySelector, MetaqClient } from '../src/client/index.js';
import { MessageSink, MessageSource } from '../src/integrations/stream/index.js';
import { binlogRun } from './binlog.js';
import type { BinlogRun } from './binlog.js';

/** Partitions of every topic on the bench broker. */
const PARTITIONS = 8;

export interface TailRun {
  mode: string;
  lines: number;
  seconds: number;
  linesPerSec: number;
  mbPerSec: number;
  peakRssMb: number;
}

export interface LoggingRun {
  records: number;
  /** Time the application spent in logger.info calls. */
  callSeconds: number;
  /** Until the transport closed with every record sent. */
  deliveredSeconds: number;
  delivered: number;
}

export interface StreamRun {
  messages: number;
  partitions: number;
  messagesPerSec: number;
}

export interface PythonRun {
  count: number;
  syncPerSec: number;
  pipelinedPerSec: number;
  consumePerSec: number;
}

export interface IntegrationsResult {
  tail: TailRun[];
  logging: LoggingRun;
  stream: StreamRun;
  python: PythonRun;
  binlog: BinlogRun;
}

/** The Python client (Debian's python3) in its own process: bench/python-client.py prints its figures. */
function pythonRun(broker: { url: string }, count: number, partitions: number): PythonRun {
  const script = join(fileURLToPath(new URL('.', import.meta.url)), '../../bench/python-client.py');
  return JSON.parse(execFileSync('/usr/bin/python3', [script, broker.url, String(count), String(partitions)]).toString()) as PythonRun;
}

/** A source-to-sink pipeline: read, write the upper-cased text to another topic, ack after the write. */
async function streamRun(broker: { url: string }, messages: number, partitions: number): Promise<StreamRun> {
  const client = new MetaqClient({ serverUrl: broker.url, partitions: { 'stream-in': partitions, 'stream-out': partitions } });
  const producer = client.producer();
  let next = 0;
  await Promise.all(
    Array.from({ length: 1000 }, async () => {
      while (next < messages) await producer.send({ topic: 'stream-in', data: `event ${next++} ${'x'.repeat(80)}` });
    }),
  );
  const source = new MessageSource(client.consumer({ group: 'bench', startFrom: 0 }).subscribe('stream-in'));
  const sink = new MessageSink(client.producer(), 'stream-out');
  let done = 0;
  const started = performance.now();
  const workers: Array<Promise<void>> = [];
  for await (const delivery of source) {
    workers.push(sink.write(delivery.value.toUpperCase()).then(() => delivery.ack()));
    if (workers.length >= 1000) await Promise.all(workers.splice(0));
    if (++done === messages) break;
  }
  await Promise.all(workers);
  const seconds = (performance.now() - started) / 1000;
  await client.close();
  return { messages, partitions, messagesPerSec: messages / seconds };
}

/** pino with the metaq transport: how fast the application logs, and how fast records reach the topic. */
async function loggingRun(broker: { url: string }, records: number): Promise<LoggingRun> {
  const dir = mkdtempSync(join(tmpdir(), 'metaq-bench-pino-'));
  const target = join(fileURLToPath(new URL('.', import.meta.url)), '../src/integrations/pino/metaq-transport.js');
  const transport = pino.transport({ target, options: { topic: 'bench-logs', serverUrl: broker.url, localDir: dir } });
  const logger = pino(transport);
  const started = performance.now();
  for (let i = 0; i < records; i += 1) logger.info({ order: i, sku: 'A-17', amount: 1999 }, 'order placed');
  const callSeconds = (performance.now() - started) / 1000;
  const closed = once(transport, 'close');
  transport.end();
  await closed;
  const deliveredSeconds = (performance.now() - started) / 1000;
  const client = new MetaqClient({ serverUrl: broker.url });
  let delivered = 0;
  for (let partition = 0; partition < PARTITIONS; partition += 1) {
    for (let offset = 0; ;) {
      const fetched = await client.get('bench-logs', partition, offset);
      if (fetched.caughtUp || fetched.messages.length === 0) break;
      delivered += fetched.messages.length;
      offset = fetched.nextOffset;
    }
  }
  await client.close();
  rmSync(dir, { recursive: true, force: true });
  return { records, callSeconds, deliveredSeconds, delivered };
}

/** Ship one file of `lines` 100-byte lines with the agent in this process; time until the checkpoint reaches its end. */
async function tailRun(broker: { url: string }, mode: string, lines: number, ordered: boolean): Promise<TailRun> {
  const dir = mkdtempSync(join(tmpdir(), 'metaq-bench-tail-'));
  const line = (n: number) => `${String(n).padStart(10, '0')} ${'x'.repeat(88)}\n`;
  const content = Array.from({ length: lines }, (_, n) => line(n)).join('');
  writeFileSync(join(dir, 'app.log'), content);
  const client = new MetaqClient({ serverUrl: broker.url });
  const agent = await TailAgent.open(
    new NodeFileIO(),
    client.producer({ selector: keySelector() }),
    { ...defaultTailOptions, topic: `tail-${mode}`, files: [join(dir, '*.log')], checkpointPath: join(dir, 'cp.json'), ordered },
    pino({ level: 'warn' }),
  );
  const started = performance.now();
  let shipped = 0;
  while (shipped < lines) shipped += await agent.poll();
  const seconds = (performance.now() - started) / 1000;
  await agent.close();
  await client.close();
  rmSync(dir, { recursive: true, force: true });
  return { mode, lines, seconds, linesPerSec: lines / seconds, mbPerSec: content.length / 1e6 / seconds, peakRssMb: process.resourceUsage().maxRSS / 1024 };
}

/** The integrations' costs: the log shipping agent's throughput. */
export async function runIntegrationsBench(scale: number): Promise<IntegrationsResult> {
  const dir = mkdtempSync(join(tmpdir(), 'metaq-bench-int-'));
  // unflushInterval 100 ms: the backlog is visible to the delivery count soon after the last put (docs/protocol.md, get).
  const brokerProcess = await startBrokerProcess(writeConfig(dir, { dataPath: join(dir, 'data'), unflushInterval: 100, numPartitions: PARTITIONS }));
  const broker = { url: `meta://127.0.0.1:${brokerProcess.port}` };
  try {
    const tail = [await tailRun(broker, 'batched', Math.round(500_000 * scale), false), await tailRun(broker, 'ordered', Math.round(50_000 * scale), true)];
    const logging = await loggingRun(broker, Math.round(200_000 * scale));
    const stream = await streamRun(broker, Math.round(100_000 * scale), PARTITIONS);
    const python = pythonRun(broker, Math.round(100_000 * scale), PARTITIONS);
    const binlog = await binlogRun(brokerProcess.port, Math.round(20_000 * scale), PARTITIONS);
    return { tail, logging, stream, python, binlog };
  } finally {
    await brokerProcess.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

export function integrationsSection(r: IntegrationsResult): string {
  const rows = r.tail
    .map(
      (t) =>
        `| \`metaq tail\`, ${t.mode === 'ordered' ? '`--ordered` (one send at a time)' : 'batches of 1,000 pipelined'} | ${t.lines.toLocaleString('en')} | ${Math.round(t.linesPerSec).toLocaleString('en')} | ${t.mbPerSec.toFixed(1)} | ${t.peakRssMb.toFixed(0)} |`,
    )
    .join('\n');
  return `## Integrations

\`metaq tail\` shipping a file of 100 B lines already written, a checkpoint after every acked batch (peak RSS is the bench process's, which holds the file):

| workload | lines | lines/s | MB/s | peak RSS MB |
|---|---|---|---|---|
${rows}

pino with the metaq transport (\`metaq/pino\`), ${r.logging.records.toLocaleString('en')} \`logger.info\` calls, then \`transport.end()\`:

| measurement | value |
|---|---|
| application side: \`logger.info\` calls | ${Math.round(r.logging.records / r.logging.callSeconds).toLocaleString('en')} records/s |
| until the transport closed with every record sent | ${Math.round(r.logging.records / r.logging.deliveredSeconds).toLocaleString('en')} records/s |
| records on the topic afterwards | ${r.logging.delivered.toLocaleString('en')} of ${r.logging.records.toLocaleString('en')} |

Stream processing: \`MessageSource\` → upper-case → \`MessageSink\`, ${r.stream.messages.toLocaleString('en')} messages of 100 B on ${r.stream.partitions} partitions (one in flight per partition): ${Math.round(r.stream.messagesPerSec).toLocaleString('en')} messages/s end to end.

The Python client (\`clients/python\`), 100 B messages, one connection:

| workload | msgs/s |
|---|---|
| \`send\`, one at a time (${Math.round(r.python.count / 10).toLocaleString('en')} messages) | ${Math.round(r.python.syncPerSec).toLocaleString('en')} |
| \`send_async\`, 1,000 in flight (${r.python.count.toLocaleString('en')}) | ${Math.round(r.python.pipelinedPerSec).toLocaleString('en')} |
| consumer \`poll\` over those messages (1 MiB fetches) | ${Math.round(r.python.consumePerSec).toLocaleString('en')} |

Ordered database sync: ${r.binlog.changes.toLocaleString('en')} row changes (${r.binlog.rows.toLocaleString('en')} rows inserted, then each updated) in a MariaDB binlog, each side draining its backlog alone, ${r.binlog.partitions} partitions:

| stage | row changes/s | peak RSS MB |
|---|---|---|
| \`metaq binlog\`: binlog → topic, until the checkpoint reaches the binlog's end | ${Math.round(r.binlog.publishPerSec).toLocaleString('en')} | ${r.binlog.publisherPeakRssMb.toFixed(0)} |
| \`metaq binlog-apply\`: topic → the machine's MariaDB, a transaction per batch (≤ 500) with its offset | ${Math.round(r.binlog.applyPerSec).toLocaleString('en')} | ${r.binlog.applierPeakRssMb.toFixed(0)} |
`;
}
