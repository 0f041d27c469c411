// One measured process of `npm run bench:peers`: a producer or a consumer of one peer.
// argv: system port destination role size count (calls in flight | rate; the latency consumer takes the rate too);
// for `produce` the count is the timed seconds, and it prints how many messages it sent in all.
import * as hdr from 'hdr-histogram-js';
import { PUBLISH_BATCH, WARM_UP_SECONDS } from './peer-client.js';
import type { PeerClient, PeerTarget } from './peer-client.js';
import { openMetaq } from './metaq-peer.js';
import { openNats } from './nats-peer.js';
import { openRabbitmq } from './rabbitmq-peer.js';
import { openRedis } from './redis-peer.js';

const [system, port, destination, role, size, count, knob] = process.argv.slice(2) as [string, string, string, string, string, string, string];
const target: PeerTarget = { port: Number(port), destination };
const openers: Record<string, (target: PeerTarget) => PeerClient | Promise<PeerClient>> = {
  metaq: openMetaq,
  nats: openNats,
  rabbitmq: openRabbitmq,
  redis: openRedis,
};
const client = await openers[system]!(target);
const total = Number(count);
const payload = Buffer.alloc(Number(size), 'p');

/** Wall-clock microseconds, comparable between the producer and consumer processes. */
const nowUs = (): number => (performance.timeOrigin + performance.now()) * 1000;

function publishFailed(error: unknown): never {
  process.stderr.write(`publish failed: ${String(error)}\n`);
  process.exit(1);
}

/**
 * Publish as calls of PUBLISH_BATCH through the peer's batch path until `until` (a
 * performance.now() time), with at most `calls` calls awaiting their acks (each lane sends its
 * next call once its last one is acked), so every peer runs with the same number of messages
 * unacknowledged at most. Resolves with the messages sent, once every call is acked.
 */
async function publishUntil(until: number, calls: number): Promise<number> {
  const batch = Array.from({ length: PUBLISH_BATCH }, () => payload);
  let sent = 0;
  const lane = async (): Promise<void> => {
    while (performance.now() < until) {
      sent += PUBLISH_BATCH;
      await client.publishBatch(batch).catch(publishFailed);
    }
  };
  await Promise.all(Array.from({ length: calls }, lane));
  return sent;
}

/**
 * Publish for WARM_UP_SECONDS untimed (the clock measures the steady rate, not each client's
 * first compilations and young-generation growth), then for `total` seconds timed; the figure is the timed
 * part's messages over the time until its last call was acked. A fixed count was too short to
 * time: 300,000 messages took metaq 0.3 s, and such runs gave 629,000 to 907,000 msgs/s where
 * 2,000,000 gave 1,334,000.
 */
async function produce(calls: number): Promise<object> {
  const warmUp = await publishUntil(performance.now() + WARM_UP_SECONDS * 1000, calls);
  const started = performance.now();
  const timed = await publishUntil(started + total * 1000, calls);
  const seconds = (performance.now() - started) / 1000;
  return { msgsPerSec: timed / seconds, mbPerSec: (timed * payload.length) / seconds / 1e6, sent: warmUp + timed };
}

async function consume(): Promise<object> {
  const started = performance.now();
  await client.consume(total, () => undefined);
  const seconds = (performance.now() - started) / 1000;
  return { msgsPerSec: total / seconds, mbPerSec: (total * payload.length) / seconds / 1e6 };
}

/**
 * The first second of a latency run is a warm-up at the same rate, stamped 0 and left out of the
 * histogram: it holds the JIT's first compilations in all three processes (30-70 ms for metaq),
 * which is start-up cost rather than the steady latency the table reports.
 */
const warmUpCount = (rate: number): number => rate;

/** Send a warm-up second and then `total` messages at `rate` per second, each stamped with its send time. */
async function produceAtRate(rate: number): Promise<object> {
  const warmUp = warmUpCount(rate);
  const all = warmUp + total;
  const started = performance.now();
  let sent = 0;
  let acked = 0;
  let allAcked: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (allAcked = resolve));
  const ack = (): void => {
    if (++acked === all) allAcked();
  };
  while (sent < all) {
    const due = Math.min(all, Math.floor(((performance.now() - started) / 1000) * rate));
    for (; sent < due; sent += 1) {
      const data = Buffer.allocUnsafe(payload.length);
      payload.copy(data);
      data.writeDoubleBE(sent < warmUp ? 0 : nowUs(), 0);
      // No promise is kept: holding a quarter of a million of them made the producer's GC the tail.
      client.publish(data).then(ack, publishFailed);
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await done;
  return { sent };
}

async function consumeLatency(rate: number): Promise<object> {
  const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });
  const consuming = client.consume(warmUpCount(rate) + total, (data) => {
    const sentUs = data.readDoubleBE(0);
    if (sentUs !== 0) histogram.recordValue(Math.max(1, Math.round(nowUs() - sentUs)));
  });
  process.stdout.write('ready\n');
  await consuming;
  return {
    p50ms: histogram.getValueAtPercentile(50) / 1000,
    p99ms: histogram.getValueAtPercentile(99) / 1000,
    p999ms: histogram.getValueAtPercentile(99.9) / 1000,
  };
}

const roles: Record<string, () => Promise<object>> = {
  produce: () => produce(Number(knob)),
  consume,
  'produce-at-rate': () => produceAtRate(Number(knob)),
  'consume-latency': () => consumeLatency(Number(knob)),
};
const result = await roles[role]!();
await client.close();
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
