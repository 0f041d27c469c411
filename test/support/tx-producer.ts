// Test child for K9: local transactions of `size` messages in a loop, printing every step; it
// stops mid-transaction after message `stopAfter` of transaction `stopTx` and waits to be killed.
import { MetaqClient } from '../../src/client/index.js';

const [port, topic, size, stopTx, stopAfter] = process.argv.slice(2);
const client = new MetaqClient({ serverUrl: `meta://127.0.0.1:${port}`, partitions: { [topic!]: 2 } });
const producer = client.producer();
for (let tx = 1; tx <= 100_000; tx += 1) {
  producer.beginTransaction();
  for (let message = 1; message <= Number(size); message += 1) {
    await producer.send({ topic: topic!, data: `t${tx}-m${message}` });
    process.stdout.write(`sent ${tx} ${message}\n`);
    if (tx === Number(stopTx) && message === Number(stopAfter)) await new Promise(() => setInterval(() => undefined, 60_000));
  }
  process.stdout.write(`committing ${tx}\n`);
  await producer.commit();
  process.stdout.write(`committed ${tx}\n`);
}
