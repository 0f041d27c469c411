// Bench: the client library's producer, pipelined sends on one connection.
import * as hdr from 'hdr-histogram-js';
import { MetaqClient } from '../src/client/index.js';

const [port, topic, size, count, window] = process.argv.slice(2).map((v, i) => (i === 1 ? v : Number(v))) as [number, string, number, number, number];
const client = new MetaqClient({ serverUrl: `meta://127.0.0.1:${port}` });
const producer = client.producer();
const data = Buffer.alloc(size, 'c');
const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
let failed = 0;
const started = performance.now();
let inFlight = 0;
let slotFreed: (() => void) | undefined;
const settle = (): void => {
  inFlight -= 1;
  slotFreed?.();
};
for (let i = 0; i < count; i += 1) {
  const sentAt = performance.now();
  inFlight += 1;
  producer.send({ topic, data }).then(
    () => {
      histogram.recordValue(Math.max(1, Math.round((performance.now() - sentAt) * 1000)));
      settle();
    },
    () => {
      failed += 1;
      settle();
    },
  );
  while (inFlight >= window || (i === count - 1 && inFlight > 0)) await new Promise<void>((resolve) => (slotFreed = resolve));
}
const seconds = (performance.now() - started) / 1000;
await client.close();
process.stdout.write(`${JSON.stringify({ messages: count, failed, seconds, msgsPerSec: count / seconds, mbPerSec: (count * size) / seconds / 1e6, p50us: histogram.getValueAtPercentile(50), p99us: histogram.getValueAtPercentile(99), p999us: histogram.getValueAtPercentile(99.9), clientPeakRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
