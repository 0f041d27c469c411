// Bench: the client library's producer, pipelined sends on one connection.
import { randomBytes } from 'node:crypto';
import * as hdr from 'hdr-histogram-js';
import { MetaqClient } from '../src/client/index.js';
import { warmUpCount } from './child.js';

// The first argument is a broker port, or `zk:<host:port>` to send through a ZooKeeper cluster;
// a sixth argument `unbatched` sends one put per message (batching off), `gzip` compresses each
// set (with hex text as data, which compresses about 2:1, instead of one repeated byte), `batch`
// sends with producer.sendBatch (1,000 messages a call; latency figures are then per batch),
// `idempotent` sends as an idempotent producer (which needs the seventh argument).
// A seventh argument spreads the sends round robin over that many partitions, and an eighth
// over that many topics (`<topic>0`, `<topic>1`, …) of that many partitions each.
const [target, topic, size, count, window] = process.argv.slice(2).map((v, i) => (i <= 1 ? v : Number(v))) as [string, string, number, number, number];
const topicCount = Number(process.argv[9] ?? 1);
const topics = topicCount > 1 ? Array.from({ length: topicCount }, (_, i) => `${topic}${i}`) : [topic];
const spread = process.argv[8] === undefined ? undefined : Object.fromEntries(topics.map((name) => [name, Number(process.argv[8])]));
const client = new MetaqClient(target.startsWith('zk:') ? { zkConnect: target.slice(3) } : { serverUrl: `meta://127.0.0.1:${target}`, partitions: spread });
const mode = process.argv[7];
const producer = client.producer(
  mode === 'unbatched' ? { batching: false } : mode === 'gzip' ? { batching: { compression: 'gzip' } } : mode === 'idempotent' ? { idempotent: true } : {},
);
const data =
  mode === 'gzip'
    ? Buffer.from(
        randomBytes(Math.ceil(size / 2))
          .toString('hex')
          .slice(0, size),
      )
    : Buffer.alloc(size, 'c');
const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
/** Messages sent untimed first, the same way as the timed ones. */
const warmUp = warmUpCount();
if (warmUp > 0) {
  if (mode === 'batch')
    for (let sent = 0; sent < warmUp; sent += 1000) await producer.sendBatch(Array.from({ length: Math.min(1000, warmUp - sent) }, () => ({ topic, data })));
  else
    await producer.sendAll(
      Array.from({ length: warmUp }, (_, n) => ({ topic: topics[n % topics.length]!, data })),
      { inFlight: window },
    );
}
const started = performance.now();
const sentAt = new Float64Array(count);
let next = 0;
function* messages(): Generator<{ topic: string; data: Buffer }> {
  for (; next < count; next += 1) {
    sentAt[next] = performance.now();
    yield { topic: topics[next % topics.length]!, data };
  }
}
/** `batch` mode: producer.sendBatch of BATCH messages at a time, window / BATCH batches outstanding. */
const BATCH = 1000;
async function sendBatches(): Promise<{ failed: number }> {
  const batch = Array.from({ length: BATCH }, () => ({ topic, data }));
  let failed = 0;
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      const n = Math.min(BATCH, count - next);
      next += n;
      const at = performance.now();
      try {
        await producer.sendBatch(n === BATCH ? batch : batch.slice(0, n));
        histogram.recordValue(Math.max(1, Math.round((performance.now() - at) * 1000)));
      } catch {
        failed += n;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.floor(window / BATCH)) }, lane));
  return { failed };
}
let index = 0;
const { failed } =
  mode === 'batch'
    ? await sendBatches()
    : await producer.sendAll(messages(), {
        inFlight: window,
        onResult: (_message, error) => {
          // Replies on one connection arrive in send order, so the n-th result belongs to the n-th send.
          if (!error) histogram.recordValue(Math.max(1, Math.round((performance.now() - sentAt[index]!) * 1000)));
          index += 1;
        },
      });
const seconds = (performance.now() - started) / 1000;
await client.close();
process.stdout.write(
  `${JSON.stringify({ messages: count, failed, seconds, msgsPerSec: count / seconds, mbPerSec: (count * size) / seconds / 1e6, p50us: histogram.getValueAtPercentile(50), p99us: histogram.getValueAtPercentile(99), p999us: histogram.getValueAtPercentile(99.9), clientPeakRssMb: process.resourceUsage().maxRSS / 1024 })}\n`,
);
