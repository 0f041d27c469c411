import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBrokerProcess, writeConfig } from '../test/support/broker-process.js';
import { runChild } from './child.js';

interface SeekRun {
  messages: number;
  bytes: number;
  /** On the broker that wrote the partition (its index fed by the writes). */
  live: { firstMs: number; nextMs: number };
  /** After a restart, when the first lookup reads the record headers again. */
  restarted: { firstMs: number; nextMs: number };
}

/** Seek by time: lookups in a partition of 100 B messages, before and after a broker restart. */
export async function runSeekBench(scale: number): Promise<SeekRun> {
  const dir = mkdtempSync(join(tmpdir(), 'metaq-bench-seek-'));
  const config = writeConfig(dir, { dataPath: join(dir, 'data'), numPartitions: 1 });
  const half = Math.round(1_500_000 * scale);
  try {
    let broker = await startBrokerProcess(config);
    let middle = 0;
    try {
      await runChild('client-producer.js', [broker.port, 'seek', 100, half, 8000, 'batch']);
      middle = Date.now();
      await runChild('client-producer.js', [broker.port, 'seek', 100, half, 8000, 'batch']);
      const live = (await runChild('seek-child.js', [broker.port, 'seek', middle])) as SeekRun['live'];
      await broker.kill('SIGTERM');
      broker = await startBrokerProcess(config);
      const restarted = (await runChild('seek-child.js', [broker.port, 'seek', middle])) as SeekRun['restarted'];
      return { messages: 2 * half, bytes: 2 * half * 120, live, restarted };
    } finally {
      await broker.kill('SIGTERM');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function seekSection(run: SeekRun): string {
  const ms = (value: number): string => value.toFixed(1);
  return `## Seek by time

\`client.offsetForTime\` in the middle of one partition of ${run.messages.toLocaleString('en')} messages of 100 B (${(run.bytes / 1e6).toFixed(0)} MB); after a restart the first lookup reads the record headers of the segments it needs.

| broker | first lookup ms | next lookup ms |
|---|---|---|
| the one that wrote the partition | ${ms(run.live.firstMs)} | ${ms(run.live.nextMs)} |
| restarted | ${ms(run.restarted.firstMs)} | ${ms(run.restarted.nextMs)} |
`;
}
