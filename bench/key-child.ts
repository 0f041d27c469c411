// Bench child for the key index. argv: port produce TOPIC COUNT KEYS | port lookup TOPIC KEY
import { MetaqClient } from '../src/client/index.js';

const [port, mode, topic, a, b] = process.argv.slice(2) as [string, string, string, string, string | undefined];
const client = new MetaqClient({ serverUrl: `meta://127.0.0.1:${port}` });
if (mode === 'produce') {
  const count = Number(a);
  const keys = Number(b);
  const producer = client.producer();
  const data = Buffer.alloc(100, 'k');
  const started = performance.now();
  const BATCH = 1000;
  let inFlight: Array<Promise<unknown>> = [];
  for (let n = 0; n < count; n += BATCH) {
    inFlight.push(producer.sendBatch(Array.from({ length: Math.min(BATCH, count - n) }, (_, k) => ({ topic, data, attribute: `key-${(n + k) % keys}` }))));
    if (inFlight.length >= 8) {
      await Promise.all(inFlight);
      inFlight = [];
    }
  }
  await Promise.all(inFlight);
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(`${JSON.stringify({ msgsPerSec: count / seconds })}\n`);
} else {
  await client.producer().publish(topic); // connected first: the lookups time the broker, not the handshake
  const lookup = async (): Promise<{ ms: number; found: number }> => {
    const started = performance.now();
    const found = await client.messagesByKey(topic, a, { limit: 10_000 });
    return { ms: performance.now() - started, found: found.length };
  };
  const first = await lookup();
  const next = await lookup();
  process.stdout.write(`${JSON.stringify({ firstMs: first.ms, nextMs: next.ms, found: next.found })}\n`);
}
await client.close();
