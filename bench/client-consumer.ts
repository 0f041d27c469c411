// Bench: the client library's consumer with a no-op listener over a backlog.
import { MetaqClient } from '../src/client/index.js';

// The first argument is a broker port, or `zk:<host:port>` to consume as a group member in a cluster.
const [target, topic, count] = process.argv.slice(2).map((v, i) => (i <= 1 ? v : Number(v))) as [string, string, number];
const client = new MetaqClient(target.startsWith('zk:') ? { zkConnect: target.slice(3) } : { serverUrl: `meta://127.0.0.1:${target}` });
const consumer = client.consumer({ group: 'bench', maxDelayFetchMs: 100 }).subscribe(topic, { maxSize: 1024 * 1024 });
let received = 0;
let bytes = 0;
let finished!: () => void;
const done = new Promise<void>((resolve) => (finished = resolve));
const started = performance.now();
// A fourth argument `batch` consumes with runBatches, reading every message's data from the batch.
if (process.argv[5] === 'batch') {
  await consumer.runBatches((batch) => {
    for (let n = 0; n < batch.length; n += 1) bytes += batch.data(n).length;
    received += batch.length;
    if (received >= count) finished();
  });
} else {
  await consumer.run((message) => {
    received += 1;
    bytes += message.data.length;
    if (received === count) finished();
  });
}
await done;
const seconds = (performance.now() - started) / 1000;
// Read together with the clock: the topic may hold more (a producer's warm-up), delivered while closing.
const [messages, messageBytes] = [received, bytes];
await client.close();
process.stdout.write(
  `${JSON.stringify({ messages, seconds, msgsPerSec: messages / seconds, mbPerSec: messageBytes / seconds / 1e6, clientPeakRssMb: process.resourceUsage().maxRSS / 1024 })}\n`,
);
