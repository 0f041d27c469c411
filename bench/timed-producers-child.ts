// Bench child: PRODUCERS clients (one connection each) sending SIZE-byte messages with default
// batching and WINDOW in flight each, for SECONDS after the release, beside IDLE heart-beating
// connections (the FIRST_IDLE-th onwards of the run, 100 per loopback address from 127.0.0.2);
// with FIRST_OWN_TOPIC ≥ 0 each producer writes a topic of its own; with RATE > 0 each producer sends
// at most RATE msgs/s (a steady application rather than a flood).
// Prints the messages acked, the seconds, the latency histogram and the idle connections' state.
import * as hdr from 'hdr-histogram-js';
import { MetaqClient } from '../src/client/index.js';
import { openIdleConnections } from './idle-connections.js';
import { readyThenWait } from './released-children.js';

const [port, topic, size, producers, window, seconds, idle, firstIdle, firstOwnTopic, rate = 0] = process.argv
  .slice(2)
  .map((v, i) => (i === 1 ? v : Number(v))) as [number, string, number, number, number, number, number, number, number, number?];
/** Producer n writes `topicOf(n)`: the shared topic, or (FIRST_OWN_TOPIC ≥ 0) a topic of its own numbered from there. */
const topicOf = (n: number): string => (firstOwnTopic >= 0 ? `${topic}${firstOwnTopic + n}` : topic);
/** Idle connections per client address: a host with a hundred clients. */
const PER_ADDRESS = 100;
const addressOf = (n: number): string => {
  const host = 2 + Math.floor((firstIdle + n) / PER_ADDRESS);
  return `127.0.${Math.floor(host / 256)}.${host % 256}`;
};
const idleConnections = await openIdleConnections(port, idle, addressOf);
const clients = Array.from({ length: producers }, () => new MetaqClient({ serverUrl: `meta://127.0.0.1:${port}` }));
const data = Buffer.alloc(size, 'c');
// Connect everyone first, so the figure is sending, not connection setup; a few at a time, as
// idle-connections.ts explains.
const CONNECTING = 32;
await Promise.all(
  Array.from({ length: Math.min(CONNECTING, producers) }, async (_, lane) => {
    for (let n = lane; n < producers; n += CONNECTING) await clients[n]!.producer().send({ topic: topicOf(n), data });
  }),
);
const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
await readyThenWait();

const started = performance.now();
const cpuAtStart = process.cpuUsage();
const deadline = started + seconds * 1000;
/** One client's sends: stops yielding at the deadline; replies come in send order, so a ring of send times serves. */
function sendFor(client: MetaqClient, n: number): Promise<{ sent: number; failed: number }> {
  const sentAt = new Float64Array(window + 1);
  let next = 0;
  let acked = 0;
  const message = { topic: topicOf(n), data };
  function* messages(): Generator<{ topic: string; data: Buffer }> {
    while (performance.now() < deadline) {
      sentAt[next++ % sentAt.length] = performance.now();
      yield message;
    }
  }
  /** At RATE: each millisecond, the messages due since the start. */
  async function* paced(): AsyncGenerator<{ topic: string; data: Buffer }> {
    while (performance.now() < deadline) {
      const due = Math.floor(((performance.now() - started) / 1000) * rate);
      while (next < due && performance.now() < deadline) {
        // Stamped when due, not when the window lets it out: waiting for room is latency too.
        sentAt[next % sentAt.length] = started + (next * 1000) / rate;
        next += 1;
        yield message;
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }
  return client.producer().sendAll(rate > 0 ? paced() : messages(), {
    inFlight: window,
    onResult: (_message, error) => {
      if (!error) histogram.recordValue(Math.max(1, Math.round((performance.now() - sentAt[acked % sentAt.length]!) * 1000)));
      acked += 1;
    },
  });
}
const results = await Promise.all(clients.map((client, n) => sendFor(client, n)));
const elapsed = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuAtStart);
const idleState = { idle, heartbeatsAnswered: idleConnections.answered, idleLost: idleConnections.lost };
idleConnections.close();
await Promise.all(clients.map((client) => client.close()));
process.stdout.write(
  `${JSON.stringify({
    messages: results.reduce((sum, r) => sum + r.sent, 0),
    failed: results.reduce((sum, r) => sum + r.failed, 0),
    seconds: elapsed,
    histogram: hdr.encodeIntoCompressedBase64(histogram),
    ...idleState,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    clientPeakRssMb: process.resourceUsage().maxRSS / 1024,
  })}\n`,
);
