// Bench child: schedule `count` 100 B messages all due at one time, then consume them as they are
// delivered. argv: port topic count inFlight brokerPid. Prints the scheduling and delivery rates
// and the broker's resident memory before and with every message waiting.
import { MetaqClient } from '../src/client/index.js';
import { processFootprint } from '../test/support/process-footprint.js';

const [port, topic, count, inFlight, brokerPid] = process.argv.slice(2).map((v, i) => (i === 1 ? v : Number(v))) as [number, string, number, number, number];
const brokerRssMb = (): number => processFootprint(brokerPid).rssMb;
const client = new MetaqClient({ serverUrl: `meta://127.0.0.1:${port}`, partitions: { [topic]: 1 } });
const producer = client.producer();
await producer.publish(topic);
const data = Buffer.alloc(100, 'd');
const rssBeforeMb = brokerRssMb();
// Everything is due together, after scheduling is over at the rate expected (at least 30,000 a second).
const dueAt = Date.now() + 3000 + Math.ceil(count / 30);
const scheduleStarted = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: inFlight }, async () => {
    while (next < count) {
      next += 1;
      await producer.schedule({ topic, data }, { at: dueAt });
    }
  }),
);
const scheduleSeconds = (performance.now() - scheduleStarted) / 1000;
const scheduledBeforeDue = Date.now() < dueAt;
const rssWaitingMb = brokerRssMb();

const consumer = client.consumer({ group: 'bench', maxDelayFetchMs: 10 }).subscribe(topic, { maxSize: 1024 * 1024 });
let received = 0;
let lastAt = 0;
await new Promise<void>((resolve) => {
  void consumer.runBatches((batch) => {
    received += batch.length;
    if (received >= count) {
      lastAt = Date.now();
      resolve();
    }
  });
});
const deliverSeconds = (lastAt - Math.max(dueAt, scheduleStarted)) / 1000;
await client.close();
process.stdout.write(
  `${JSON.stringify({ messages: count, scheduleSeconds, schedulePerSec: count / scheduleSeconds, scheduledBeforeDue, rssBeforeMb, rssWaitingMb, deliverSeconds, deliverPerSec: count / deliverSeconds })}\n`,
);
