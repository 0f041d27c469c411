import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBrokerProcess, writeConfig } from '../test/support/broker-process.js';
import { runChild } from './child.js';

interface SendRun {
  mode: string;
  flush: string;
  size: number;
  messages: number;
  msgsPerSec: number;
  mbPerSec: number;
  p50us: number;
  p99us: number;
  clientPeakRssMb: number;
  brokerPeakRssMb: number;
}

const flushModes = [
  { flush: 'normal flush', system: { unflushThreshold: 1000, unflushInterval: 10_000 } },
  { flush: 'group commit', system: { unflushThreshold: 0, unflushInterval: 10_000 } },
];

/** One broker process per run; the client library's producer in its own process, 2,000 sends outstanding. */
type SendMode = 'unbatched' | 'batched' | 'idempotent' | 'gzip' | 'batch';
const MODE_NAMES: Record<SendMode, string> = {
  unbatched: 'one put per message',
  batched: 'sets (mput), default batching',
  idempotent: 'sets, idempotent producer',
  gzip: 'sets, gzip-compressed (hex data)',
  batch: 'sendBatch, 1,000 a call, 8 calls outstanding',
};
/** Messages outstanding: 2,000 sends, or 8 batches of 1,000. */
const WINDOW: Record<SendMode, number> = { unbatched: 2000, batched: 2000, idempotent: 2000, gzip: 2000, batch: 8000 };

async function sendRun(flush: string, system: Record<string, number>, size: number, messages: number, mode: SendMode): Promise<SendRun> {
  const dir = mkdtempSync(join(tmpdir(), 'metaq-bench-sets-'));
  const broker = await startBrokerProcess(writeConfig(dir, { dataPath: join(dir, 'data'), ...system }));
  try {
    // An idempotent producer numbers its sets per partition, so it must know them (one here, as the broker has).
    const partitions = mode === 'idempotent' ? [1] : [];
    const result = (await runChild(
      'client-producer.js',
      [broker.port, 'sets', size, messages, WINDOW[mode], mode, ...partitions],
      Math.round(messages / 5),
    )) as Omit<SendRun, 'mode' | 'flush' | 'size' | 'brokerPeakRssMb'>;
    const status = readFileSync(`/proc/${broker.child.pid}/status`, 'utf8');
    return { ...result, mode: MODE_NAMES[mode], flush, size, brokerPeakRssMb: Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024 };
  } finally {
    await broker.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Producer throughput through the client library with the batched put on and off. */
export async function runPutSetBench(scale: number): Promise<SendRun[]> {
  const runs: SendRun[] = [];
  for (const { flush, system } of flushModes) {
    for (const size of [100, 1024]) {
      const messages = Math.round((size === 100 ? 1_000_000 : 300_000) * scale);
      const modes: SendMode[] =
        flush === 'normal flush' ? ['unbatched', 'batched', 'idempotent', 'gzip', 'batch'] : ['unbatched', 'batched', 'idempotent', 'batch'];
      for (const mode of modes) runs.push(await sendRun(flush, system, size, messages, mode));
    }
  }
  return runs;
}

export function putSetSection(runs: SendRun[]): string {
  const rows = runs
    .map(
      (r) =>
        `| ${r.flush} | ${r.size} B | ${r.mode} | ${r.messages.toLocaleString('en')} | ${Math.round(r.msgsPerSec).toLocaleString('en')} | ${r.mbPerSec.toFixed(1)} | ${(r.p50us / 1000).toFixed(2)} | ${(r.p99us / 1000).toFixed(2)} | ${r.clientPeakRssMb.toFixed(0)} | ${r.brokerPeakRssMb.toFixed(0)} |`,
    )
    .join('\n');
  return `## Batched put

\`producer.send()\` in its own process, 2,000 sends outstanding (timed after an untimed fifth), as one MetaQ \`put\` per message, as sets (\`mput\`, the default), as an idempotent producer, with gzip-compressed sets (MB/s before compression) and through \`sendBatch()\` (latency then per batch).

| flush | size | producer sends | messages | msgs/s | MB/s | p50 ms | p99 ms | client RSS MB | broker RSS MB |
|---|---|---|---|---|---|---|---|---|---|
${rows}
`;
}
