// Bench child: a consumer whose listener fails every message once, with retry topics: each
// failure is scheduled into the retry topic and consumed again. argv: port topic count.
import { MetaqClient } from '../src/client/index.js';

const [port, topic, count] = process.argv.slice(2).map((v, i) => (i === 1 ? v : Number(v))) as [number, string, number];
const client = new MetaqClient({ serverUrl: `meta://127.0.0.1:${port}` });
const data = Buffer.alloc(100, 'r');
await client.producer().sendBatch(Array.from({ length: count }, () => ({ topic, data })));
const consumer = client.consumer({ group: 'bench', retryTopics: { backoffMs: [1] }, maxDelayFetchMs: 10 }).subscribe(topic);
let retried = 0;
const started = performance.now();
await new Promise<void>((resolve) => {
  void consumer.run((message) => {
    if (message.retry === undefined) throw new Error('fails once');
    if (++retried === count) resolve();
  });
});
const seconds = (performance.now() - started) / 1000;
await client.close();
process.stdout.write(`${JSON.stringify({ messages: count, seconds, retriedPerSec: count / seconds })}\n`);
