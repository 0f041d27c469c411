// Bench child: time `client.offsetForTime` lookups against a broker. argv: port topic timeMs
import { MetaqClient } from '../src/client/index.js';

const [port, topic, timeMs] = process.argv.slice(2) as [string, string, string];
const client = new MetaqClient({ serverUrl: `meta://127.0.0.1:${port}` });
await client.producer().publish(topic); // connected first: the lookups time the broker, not the handshake
const lookup = async (at: number): Promise<number> => {
  const started = performance.now();
  await client.offsetForTime(topic, 0, at);
  return performance.now() - started;
};
const firstMs = await lookup(Number(timeMs));
const nextMs = await lookup(Number(timeMs) + 1);
await client.close();
process.stdout.write(`${JSON.stringify({ firstMs, nextMs })}\n`);
