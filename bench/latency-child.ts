// One process of `npm run bench -- --only latency` (bench/latency.ts), through the client library:
//   produce PORT SIZE RATE PLAN    send at RATE msgs/s through the phases of PLAN (JSON), each message stamped with its send time
//   consume PORT TOPICS COUNT FILE read COUNT messages of the comma-separated TOPICS, write (send, latency) pairs to FILE
//   bulk PORT TOPIC SIZE COUNT     send COUNT messages as fast as 2,000 in flight allow
// Times are wall-clock microseconds (performance.timeOrigin + performance.now()), comparable between processes.
import { writeFileSync } from 'node:fs';
import { MemoryOffsetStorage, MetaqClient } from '../src/client/index.js';

/** One phase of a rate-limited producer: `seconds` at the rate to `topic`, then `pauseMs` idle. Unstamped phases are warm-ups (stamp 0). */
export interface ProducePhase {
  topic: string;
  seconds: number;
  stamped: boolean;
  pauseMs: number;
}

/** What `produce` reports per phase: when its first and last message were sent. */
export interface PhaseTimes {
  topic: string;
  firstUs: number;
  lastUs: number;
  sent: number;
}

const nowUs = (): number => (performance.timeOrigin + performance.now()) * 1000;
const [role, port, ...rest] = process.argv.slice(2) as [string, string, ...string[]];
const client = new MetaqClient({ serverUrl: `meta://127.0.0.1:${port}` });

function sendFailed(error: unknown): never {
  process.stderr.write(`send failed: ${String(error)}\n`);
  process.exit(1);
}

/** Send every phase at `rate` msgs/s; resolves once every message is acked. */
async function produce(size: number, rate: number, plan: ProducePhase[]): Promise<PhaseTimes[]> {
  const producer = client.producer();
  for (const phase of plan) await producer.publish(phase.topic);
  const template = Buffer.alloc(size, 'p');
  let sentTotal = 0;
  let acked = 0;
  let wake: (() => void) | undefined;
  const ack = (): void => {
    acked += 1;
    if (acked === sentTotal) wake?.();
  };
  const times: PhaseTimes[] = [];
  for (const phase of plan) {
    const count = Math.round(phase.seconds * rate);
    const started = performance.now();
    const phaseTimes: PhaseTimes = { topic: phase.topic, firstUs: 0, lastUs: 0, sent: 0 };
    if (phase.stamped) process.stdout.write(`timed ${phase.topic} ${nowUs()}\n`);
    while (phaseTimes.sent < count) {
      const due = Math.min(count, Math.floor(((performance.now() - started) / 1000) * rate));
      for (; phaseTimes.sent < due; phaseTimes.sent += 1) {
        const data = Buffer.allocUnsafe(size);
        template.copy(data);
        const sentUs = nowUs();
        if (phaseTimes.firstUs === 0) phaseTimes.firstUs = sentUs;
        phaseTimes.lastUs = sentUs;
        data.writeDoubleBE(phase.stamped ? sentUs : 0, 0);
        sentTotal += 1;
        producer.send({ topic: phase.topic, data }).then(ack, sendFailed);
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    times.push(phaseTimes);
    if (phase.pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, phase.pauseMs));
  }
  if (acked < sentTotal) await new Promise<void>((resolve) => (wake = resolve));
  return times;
}

/** Read `count` messages of `topics` from their start; stamped ones leave a (send, latency) pair in `file`. */
async function consume(topics: string[], count: number, file: string): Promise<{ received: number; stamped: number }> {
  const samples = new Float64Array(count * 2);
  let received = 0;
  let stamped = 0;
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const consumer = client.consumer({ group: 'latency-bench', offsetStorage: new MemoryOffsetStorage(), startFrom: 0, maxDelayFetchMs: 1 });
  for (const topic of topics) consumer.subscribe(topic, { maxSize: 1024 * 1024 });
  const running = consumer.run((message) => {
    const sentUs = message.data.readDoubleBE(0);
    if (sentUs !== 0) {
      samples[stamped * 2] = sentUs;
      samples[stamped * 2 + 1] = nowUs() - sentUs;
      stamped += 1;
    }
    if (++received === count) done();
  });
  process.stdout.write('ready\n');
  await running;
  await finished;
  writeFileSync(file, samples.subarray(0, stamped * 2));
  return { received, stamped };
}

/** Send `count` messages with 2,000 awaiting their acks, as fast as that allows. */
async function bulk(topic: string, size: number, count: number): Promise<{ startUs: number; endUs: number; msgsPerSec: number }> {
  const producer = client.producer();
  await producer.publish(topic);
  const data = Buffer.alloc(size, 'b');
  const startUs = nowUs();
  process.stdout.write(`timed ${topic} ${startUs}\n`);
  let outstanding = 0;
  let sent = 0;
  let wake: (() => void) | undefined;
  const acked = (): void => {
    outstanding -= 1;
    wake?.();
  };
  while (sent < count) {
    while (outstanding >= 2000) await new Promise<void>((resolve) => (wake = resolve));
    outstanding += 1;
    sent += 1;
    producer.send({ topic, data }).then(acked, sendFailed);
  }
  while (outstanding > 0) await new Promise<void>((resolve) => (wake = resolve));
  const endUs = nowUs();
  return { startUs, endUs, msgsPerSec: count / ((endUs - startUs) / 1e6) };
}

let result: object;
if (role === 'produce') result = await produce(Number(rest[0]), Number(rest[1]), JSON.parse(rest[2]!) as ProducePhase[]);
else if (role === 'consume') result = await consume(rest[0]!.split(','), Number(rest[1]), rest[2]!);
else result = await bulk(rest[0]!, Number(rest[1]), Number(rest[2]));
await client.close();
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
