import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import * as hdr from 'hdr-histogram-js';
import { MetaqClient } from '../../src/client/index.js';
import type { BrokerProcess } from '../support/broker-process.js';
import { killAllBrokers, startBrokerProcess, tempDir, writeConfig } from '../support/broker-process.js';
import { eventually } from '../support/eventually.js';
import { processFootprint } from '../support/process-footprint.js';
import { get, WireSession } from '../support/wire-client.js';

const CHILD = fileURLToPath(new URL('../support/k6-consumer.js', import.meta.url));
const STALL_SECONDS = Number(process.env.K6_STALL_SECONDS ?? 30);
const RATE = 4000; // 1 KiB messages a second: a 30 s stall leaves a 120 MB backlog
const TOPIC = 'k6';
const consumers = new Set<ChildProcess>();

function startConsumer(port: number, dir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [CHILD, String(port), TOPIC, join(dir, 'offsets'), join(dir, 'effects')], { stdio: ['ignore', 'pipe', 'inherit'] });
  consumers.add(child);
  child.once('exit', () => consumers.delete(child));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('consuming') && resolve(child));
    child.once('exit', (code) => reject(new Error(`consumer exited with ${code}`)));
  });
}

/** What the consumer processed, in order: payload `k6:<seq>` and offset. */
function effects(dir: string): Array<{ payload: string; offset: number }> {
  const path = join(dir, 'effects');
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [payload, offset] = line.split('\t');
      return { payload: payload!, offset: Number(offset) };
    });
}

/** A producer at a fixed rate of 1 KiB sends, recording which were acked and each ack's latency. */
function fixedRateProducer(port: number) {
  const client = new MetaqClient({ serverUrl: `meta://127.0.0.1:${port}`, partitions: { [TOPIC]: 1 } });
  const producer = client.producer();
  const acked = new Map<string, number>();
  let histogram = hdr.build();
  let sent = 0;
  let failed = 0;
  const started = performance.now();
  const pending = new Set<Promise<void>>();
  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - started) / 1000) * RATE);
    for (; sent < due; sent += 1) {
      const payload = `k6:${sent}`;
      const at = performance.now();
      const send: Promise<void> = producer
        .send({ topic: TOPIC, data: Buffer.from(payload.padEnd(1024, ' ')) })
        .then(
          (result) => {
            acked.set(payload, result.offset);
            histogram.recordValue(Math.ceil((performance.now() - at) * 1000));
          },
          () => void (failed += 1),
        )
        .finally(() => pending.delete(send));
      pending.add(send);
    }
  }, 10);
  return {
    acked,
    failed: () => failed,
    /** The ack latency percentiles since the last call, in ms. */
    takeLatency: () => {
      const p = (q: number): number => histogram.getValueAtPercentile(q) / 1000;
      const taken = { p50: p(50), p99: p(99), count: histogram.totalCount };
      histogram = hdr.build();
      return taken;
    },
    stop: async () => {
      clearInterval(timer);
      await Promise.all(pending);
      await client.close();
    },
  };
}

/** Broker RSS sampled every 250 ms while `during` runs; returns the largest. */
async function peakRss(broker: BrokerProcess, during: Promise<unknown>): Promise<number> {
  let peak = processFootprint(broker.child.pid ?? 0).rssMb;
  const timer = setInterval(() => (peak = Math.max(peak, processFootprint(broker.child.pid ?? 0).rssMb)), 250);
  await during.finally(() => clearInterval(timer));
  return peak;
}

const seconds = (s: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, s * 1000));

describe('K6 slow consumer (real broker and consumer processes)', () => {
  after(async () => {
    for (const child of consumers) child.kill('SIGKILL');
    await killAllBrokers();
  });

  it(
    `a consumer stopped for ${STALL_SECONDS} s costs the broker no backlog in memory and resumes where it was, losing nothing`,
    { timeout: 300_000 },
    async () => {
      const dir = tempDir('k6');
      const broker = await startBrokerProcess(writeConfig(dir, { dataPath: `${dir}/data`, numPartitions: 1 }));
      const consumer = await startConsumer(broker.port, dir);
      const producer = fixedRateProducer(broker.port);
      // Baseline, after a first second in which the JIT warms up: the consumer keeps up.
      await seconds(1);
      producer.takeLatency();
      const baselineRss = await peakRss(broker, seconds(5));
      const baseline = producer.takeLatency();
      consumer.kill('SIGSTOP');
      const processedBefore = effects(dir).length;
      const stalledRss = await peakRss(broker, seconds(STALL_SECONDS));
      const stalled = producer.takeLatency();
      const backlogMb = ((producer.acked.size - processedBefore) * 1024) / 2 ** 20;
      consumer.kill('SIGCONT');
      await producer.stop();
      await eventually(() => effects(dir).length >= producer.acked.size, 'the resumed consumer catching up');
      const processed = effects(dir);
      console.log(
        `# K6 stall ${STALL_SECONDS} s at ${RATE}/s of 1 KiB: backlog ${backlogMb.toFixed(0)} MB; broker peak RSS ${baselineRss.toFixed(0)} MB before, ${stalledRss.toFixed(0)} MB stalled; producer ack p50/p99 ${baseline.p50}/${baseline.p99} ms before (${baseline.count}), ${stalled.p50}/${stalled.p99} ms stalled (${stalled.count}); ${producer.failed()} sends failed`,
      );
      assert.ok(backlogMb > 20, `the stall built a backlog worth measuring (${backlogMb.toFixed(0)} MB)`);
      assert.ok(
        stalledRss - baselineRss < backlogMb / 2,
        `the broker held none of the stalled consumer's ${backlogMb.toFixed(0)} MB backlog (RSS ${baselineRss.toFixed(0)} → ${stalledRss.toFixed(0)} MB)`,
      );
      assert.equal(producer.failed(), 0, 'the producer was served throughout');
      const offsetOf = new Map(processed.map((e) => [e.payload, e.offset]));
      for (const [payload, offset] of producer.acked) assert.equal(offsetOf.get(payload), offset, `${payload} was processed at its acked offset`);
      assert.equal(processed.length, producer.acked.size, 'nothing processed twice: the consumer went on from where it stopped');
      assert.ok(
        processed.every((e, i) => i === 0 || e.offset > processed[i - 1]!.offset),
        'in offset order',
      );
      consumer.kill('SIGTERM');
      await broker.kill('SIGTERM');
    },
  );

  it('a consumer stopped while retention deletes its data moves to the oldest retained message and goes on from there', { timeout: 120_000 }, async () => {
    const dir = tempDir('k6-retention');
    // 256 KiB segments older than 2 s deleted every second: a stalled consumer's position goes quickly.
    const broker = await startBrokerProcess(
      writeConfig(dir, { dataPath: `${dir}/data`, numPartitions: 1, maxSegmentSize: 256 * 1024, deletePolicy: 'delete,2s', deleteWhen: '* * * * * ?' }),
    );
    const consumer = await startConsumer(broker.port, dir);
    const producer = fixedRateProducer(broker.port);
    await eventually(() => effects(dir).length > 100, 'the consumer consuming');
    consumer.kill('SIGSTOP');
    const stoppedAt = effects(dir).at(-1)!.offset;
    const session = await WireSession.open('127.0.0.1', broker.port);
    const oldestRetained = async (): Promise<number> => {
      const reply = await get(session, TOPIC, 0, 0);
      return reply.code === 301 ? Number(reply.text) : 0;
    };
    // Past what the stopped consumer still holds (its batch and the one fetched ahead, 1 MiB
    // each) by more than the 1 MiB gap looked for below: else it may resume inside what is kept.
    await eventually(async () => (await oldestRetained()) > stoppedAt + 4 * 1024 * 1024, 'retention deleting past the stalled consumer');
    await producer.stop();
    consumer.kill('SIGCONT');
    const lastAcked = Math.max(...producer.acked.values());
    await eventually(() => effects(dir).some((e) => e.offset === lastAcked), 'the resumed consumer reaching the last acked message');
    const retainedAtEnd = await oldestRetained();
    await session.close();
    const processed = effects(dir);
    // The batches it held when stopped are processed first; then the broker's 301 moves it past the deleted ones.
    const jump = processed.findIndex((e, i) => i > 0 && e.offset - processed[i - 1]!.offset > 1024 * 1024);
    const skippedFrom = processed[jump - 1]?.offset;
    const resumedAt = processed[jump]?.offset ?? 0;
    console.log(
      `# K6 retention: stopped after processing offset ${stoppedAt}, skipped from ${skippedFrom} to ${resumedAt}, oldest retained at the end ${retainedAtEnd}`,
    );
    assert.ok(jump > 0 && resumedAt > stoppedAt + 1024 * 1024, 'the consumer skipped the deleted messages instead of failing or stopping');
    const seen = new Set(processed.map((e) => e.offset));
    for (const offset of producer.acked.values())
      if (offset >= retainedAtEnd) assert.ok(seen.has(offset), `acked message at ${offset}, still retained, was processed`);
    assert.ok(
      processed.every((e, i) => i === 0 || e.offset > processed[i - 1]!.offset),
      'in offset order, nothing twice',
    );
    consumer.kill('SIGTERM');
    await broker.kill('SIGTERM');
  });
});
