// Bench child: CONNECTIONS clients in one process (one connection each), each sending its share
// of COUNT messages of SIZE bytes with a window of its share of 2,000; prints the total rate.
import { MetaqClient } from '../src/client/index.js';

const [port, topic, size, count, connections] = process.argv.slice(2).map((v, i) => (i === 1 ? v : Number(v))) as [number, string, number, number, number];
const clients = Array.from({ length: connections }, () => new MetaqClient({ serverUrl: `meta://127.0.0.1:${port}` }));
const data = Buffer.alloc(size, 'c');
const share = Math.ceil(count / connections);
const window = Math.max(1, Math.floor(2000 / connections));
// Connect everyone first, so the figure is sending, not connection setup.
await Promise.all(clients.map((client) => client.producer().send({ topic, data })));
const started = performance.now();
const results = await Promise.all(
  clients.map((client) =>
    client.producer().sendAll(
      (function* () {
        for (let n = 0; n < share; n += 1) yield { topic, data };
      })(),
      { inFlight: window },
    ),
  ),
);
const seconds = (performance.now() - started) / 1000;
const sent = results.reduce((sum, r) => sum + r.sent, 0);
await Promise.all(clients.map((client) => client.close()));
process.stdout.write(
  `${JSON.stringify({ messages: sent, failed: results.reduce((sum, r) => sum + r.failed, 0), msgsPerSec: sent / seconds, mbPerSec: (sent * size) / seconds / 1e6, clientPeakRssMb: process.resourceUsage().maxRSS / 1024 })}\n`,
);
