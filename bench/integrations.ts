import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { defaultTailOptions, TailAgent } from '../src/integrations/tail/tail-agent.js';
import { Broker } from '../src/broker/broker.js';
import { parseBrokerConfig } from '../src/broker/config/broker-config.js';
import { NodeFileIO } from '../src/broker/index.js';
import { keySelector, MetaqClient } from '../src/client/index.js';

export interface TailRun {
  mode: string;
  lines: number;
  seconds: number;
  linesPerSec: number;
  mbPerSec: number;
  peakRssMb: number;
}

export interface IntegrationsResult {
  tail: TailRun[];
}

/** Ship one file of `lines` 100-byte lines with the agent in this process; time until the checkpoint reaches its end. */
async function tailRun(broker: Broker, mode: string, lines: number, ordered: boolean): Promise<TailRun> {
  const dir = mkdtempSync(join(tmpdir(), 'metaq-bench-tail-'));
  const line = (n: number) => `${String(n).padStart(10, '0')} ${'x'.repeat(88)}\n`;
  const content = Array.from({ length: lines }, (_, n) => line(n)).join('');
  writeFileSync(join(dir, 'app.log'), content);
  const client = new MetaqClient({ serverUrl: broker.url });
  const agent = await TailAgent.open(new NodeFileIO(), client.producer({ selector: keySelector() }), { ...defaultTailOptions, topic: `tail-${mode}`, files: [join(dir, '*.log')], checkpointPath: join(dir, 'cp.json'), ordered }, pino({ level: 'warn' }));
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
  const config = parseBrokerConfig(`[system]\ndataPath=${join(dir, 'data')}\nserverPort=0\n[topic=*]\n`, 'bench.ini');
  const broker = await Broker.start({ config, logger: pino({ level: 'warn' }), host: '127.0.0.1' });
  try {
    const tail = [await tailRun(broker, 'batched', Math.round(500_000 * scale), false), await tailRun(broker, 'ordered', Math.round(50_000 * scale), true)];
    return { tail };
  } finally {
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function integrationsSection(r: IntegrationsResult): string {
  const rows = r.tail.map((t) => `| \`metaq tail\`, ${t.mode === 'ordered' ? '`--ordered` (one send at a time)' : 'batches of 1,000 pipelined'} | ${t.lines.toLocaleString('en')} | ${Math.round(t.linesPerSec).toLocaleString('en')} | ${t.mbPerSec.toFixed(1)} | ${t.peakRssMb.toFixed(0)} |`).join('\n');
  return `
## Integrations (issue 8)

The log shipping agent and a broker in one process (default flush): one file of 100-byte lines
already written, shipped to a topic from the start, a checkpoint saved after every acked batch.
Peak RSS is the process's (agent and broker together).

| workload | lines | lines/s | MB/s | peak RSS MB |
|---|---|---|---|---|
${rows}
`;
}
