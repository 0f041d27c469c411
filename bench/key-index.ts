import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBrokerProcess, writeConfig } from '../test/support/broker-process.js';
import { runChild } from './child.js';

interface KeyIndexRun {
  messages: number;
  keys: number;
  plainPerSec: number;
  indexedPerSec: number;
  live: { firstMs: number; nextMs: number; found: number };
  restarted: { firstMs: number; nextMs: number; found: number };
  /** Message tracing: the same produce to a topic with trace=true, and consuming each topic. */
  tracedPerSec: number;
  consumePlainPerSec: number;
  consumeTracedPerSec: number;
}

/** The key index: produce cost with and without it, and lookups before and after a restart. */
export async function runKeyIndexBench(scale: number): Promise<KeyIndexRun> {
  const dir = mkdtempSync(join(tmpdir(), 'metaq-bench-keys-'));
  const config = writeConfig(dir, { dataPath: join(dir, 'data'), numPartitions: 1 }, { indexed: { keyIndex: 'true' }, plain: {}, traced: { trace: 'true' } });
  const messages = Math.round(1_000_000 * scale);
  const keys = 1000;
  try {
    let broker = await startBrokerProcess(config);
    try {
      const plain = (await runChild('key-child.js', [broker.port, 'produce', 'plain', messages, keys])) as { msgsPerSec: number };
      const indexed = (await runChild('key-child.js', [broker.port, 'produce', 'indexed', messages, keys])) as { msgsPerSec: number };
      const traced = (await runChild('key-child.js', [broker.port, 'produce', 'traced', messages, keys])) as { msgsPerSec: number };
      const consumePlain = (await runChild('client-consumer.js', [broker.port, 'plain', messages, 'batch'])) as { msgsPerSec: number };
      const consumeTraced = (await runChild('client-consumer.js', [broker.port, 'traced', messages, 'batch'])) as { msgsPerSec: number };
      const live = (await runChild('key-child.js', [broker.port, 'lookup', 'indexed', 'key-7'])) as KeyIndexRun['live'];
      await broker.kill('SIGTERM');
      broker = await startBrokerProcess(config);
      const restarted = (await runChild('key-child.js', [broker.port, 'lookup', 'indexed', 'key-7'])) as KeyIndexRun['restarted'];
      return {
        messages,
        keys,
        plainPerSec: plain.msgsPerSec,
        indexedPerSec: indexed.msgsPerSec,
        live,
        restarted,
        tracedPerSec: traced.msgsPerSec,
        consumePlainPerSec: consumePlain.msgsPerSec,
        consumeTracedPerSec: consumeTraced.msgsPerSec,
      };
    } finally {
      await broker.kill('SIGTERM');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function keyIndexSection(run: KeyIndexRun): string {
  const ms = (value: number): string => value.toFixed(1);
  return `## Key index and message tracing

${run.messages.toLocaleString('en')} messages of 100 B with one of ${run.keys.toLocaleString('en')} keys each, sent by \`sendBatch\` without and with \`keyIndex=true\`; then \`client.messagesByKey\` for one key (${run.live.found.toLocaleString('en')} messages). The index costs 8 bytes a keyed message: ${((run.messages * 8) / 2 ** 20).toFixed(1)} MiB here.

| measure | value |
|---|---|
| produce without the index, msgs/s | ${Math.round(run.plainPerSec).toLocaleString('en')} |
| produce with the index, msgs/s | ${Math.round(run.indexedPerSec).toLocaleString('en')} |
| lookup on the broker that wrote it: first / next, ms | ${ms(run.live.firstMs)} / ${ms(run.live.nextMs)} |
| lookup after a restart (index read back from the segments): first / next, ms | ${ms(run.restarted.firstMs)} / ${ms(run.restarted.nextMs)} |

Tracing: the same produce to a topic with \`trace=true\` (events per message produced, stored and delivered), and a consumer (\`runBatches\`) reading each topic.

| measure | without tracing | with tracing |
|---|---|---|
| produce, msgs/s | ${Math.round(run.plainPerSec).toLocaleString('en')} | ${Math.round(run.tracedPerSec).toLocaleString('en')} |
| consume, msgs/s | ${Math.round(run.consumePlainPerSec).toLocaleString('en')} | ${Math.round(run.consumeTracedPerSec).toLocaleString('en')} |
`;
}
