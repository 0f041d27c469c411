// Bench child: GROUPS consumer groups (one client and connection each, direct to the broker) reading
// TOPIC from its newest message with runBatches, for SECONDS after the release; prints the
// messages each group received in that time.
import { MetaqClient } from '../src/client/index.js';
import { readyThenWait } from './released-children.js';

const [port, topic, groups, firstGroup, seconds] = process.argv.slice(2).map((v, i) => (i === 1 ? v : Number(v))) as [number, string, number, number, number];
const clients = Array.from({ length: groups }, () => new MetaqClient({ serverUrl: `meta://127.0.0.1:${port}` }));
let counting = false;
const received = new Float64Array(groups);
await Promise.all(
  clients.map((client, g) =>
    client
      .consumer({ group: `tail${firstGroup + g}`, startFrom: 'newest' })
      .subscribe(topic, { maxSize: 1024 * 1024 })
      .runBatches((batch) => {
        if (counting) received[g] = received[g]! + batch.length;
      }),
  ),
);
await readyThenWait();
counting = true;
const started = performance.now();
const cpuAtStart = process.cpuUsage();
await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
counting = false;
const elapsed = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuAtStart);
await Promise.all(clients.map((client) => client.close()));
process.stdout.write(
  `${JSON.stringify({ received: [...received], seconds: elapsed, cpuSeconds: (cpu.user + cpu.system) / 1e6, clientPeakRssMb: process.resourceUsage().maxRSS / 1024 })}\n`,
);
