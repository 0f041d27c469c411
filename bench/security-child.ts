// Bench child for TLS and logins. argv: JSON { port, ca?, user?, password? } then
//   produce-batch TOPIC COUNT | produce-single TOPIC COUNT | consume TOPIC COUNT | logins COUNT
import { readFileSync } from 'node:fs';
import { MetaqClient } from '../src/client/index.js';
import type { ConnectionOptions } from '../src/client/transport/broker-connection.js';

const [settingsJson, mode, topicOrCount, countText] = process.argv.slice(2) as [string, string, string, string | undefined];
const settings = JSON.parse(settingsJson) as { port: number; ca?: string; user?: string; password?: string };
const connection: Partial<ConnectionOptions> = {
  ...(settings.ca === undefined ? {} : { tls: { ca: readFileSync(settings.ca) } }),
  ...(settings.user === undefined ? {} : { auth: { username: settings.user, password: settings.password! } }),
};
const clientOf = (): MetaqClient => new MetaqClient({ serverUrl: `meta://127.0.0.1:${settings.port}`, connection });
const report = (value: object): void => void process.stdout.write(`${JSON.stringify(value)}\n`);

if (mode === 'logins') {
  // Sequential connections, each logging in (and with TLS shaking hands) before one request.
  const count = Number(topicOrCount);
  const started = performance.now();
  for (let n = 0; n < count; n += 1) {
    const client = clientOf();
    await client.producer().send({ topic: 'logins', data: 'x' });
    await client.close();
  }
  report({ perSec: count / ((performance.now() - started) / 1000) });
} else if (mode === 'consume') {
  const client = clientOf();
  const count = Number(countText);
  const consumer = client.consumer({ group: 'bench', maxDelayFetchMs: 100 }).subscribe(topicOrCount, { maxSize: 1024 * 1024 });
  let received = 0;
  let finished!: () => void;
  const done = new Promise<void>((resolve) => (finished = resolve));
  const started = performance.now();
  await consumer.runBatches((batch) => {
    received += batch.length;
    if (received >= count) finished();
  });
  await done;
  report({ msgsPerSec: received / ((performance.now() - started) / 1000) });
  await client.close();
} else {
  const client = clientOf();
  const producer = client.producer();
  const count = Number(countText);
  const data = Buffer.alloc(100, 's');
  const started = performance.now();
  if (mode === 'produce-batch') {
    let inFlight: Array<Promise<unknown>> = [];
    for (let n = 0; n < count; n += 1000) {
      inFlight.push(producer.sendBatch(Array.from({ length: Math.min(1000, count - n) }, () => ({ topic: topicOrCount, data }))));
      if (inFlight.length >= 8) {
        await Promise.all(inFlight);
        inFlight = [];
      }
    }
    await Promise.all(inFlight);
  } else {
    const messages = function* (): Generator<{ topic: string; data: Buffer }> {
      for (let n = 0; n < count; n += 1) yield { topic: topicOrCount, data };
    };
    await producer.sendAll(messages(), { inFlight: 1000 });
  }
  report({ msgsPerSec: count / ((performance.now() - started) / 1000) });
  await client.close();
}
