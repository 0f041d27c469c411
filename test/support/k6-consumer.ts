// Test child for K6: consumes one topic in a group, appending `payload\toffset` per message to a
// file, until SIGTERMed. The test SIGSTOPs and SIGCONTs it to play a stalled consumer.
import { appendFileSync } from 'node:fs';
import { FileOffsetStorage, MetaqClient } from '../../src/client/index.js';

const [port, topic, offsetsFile, effectsFile] = process.argv.slice(2) as [string, string, string, string];
const client = new MetaqClient({ serverUrl: `meta://127.0.0.1:${port}`, partitions: { [topic]: 1 } });
const consumer = client
  .consumer({ group: 'k6', offsetStorage: new FileOffsetStorage(offsetsFile), commitIntervalMs: 100, maxDelayFetchMs: 50 })
  .subscribe(topic);
await consumer.runBatches((batch) => {
  let lines = '';
  for (let i = 0; i < batch.length; i += 1) lines += `${batch.data(i).toString('latin1', 0, 16).trimEnd()}\t${batch.offset(i)}\n`;
  appendFileSync(effectsFile, lines);
});
process.stdout.write('consuming\n');
process.once('SIGTERM', () => void client.close().then(() => process.exit(0)));
