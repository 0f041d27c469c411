// Bench: transactions per second from `concurrency` producers, each running its transactions one
// after another. Modes: `plain` (10 sends awaited together, no transaction, the baseline),
// `local` (the same 10 sends in a local transaction), `xa` (a MariaDB row update and one send in
// an XA transaction through XaTransactionManager).
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import * as hdr from 'hdr-histogram-js';
import mysql from 'mysql2/promise';
import pino from 'pino';
import { MariaDbXaResource, MetaqClient, XaTransactionManager } from '../src/client/index.js';

const [port, mode, transactions, perTx, size, concurrency] = process.argv.slice(2).map((v, i) => (i === 1 ? v : Number(v))) as [
  number,
  string,
  number,
  number,
  number,
  number,
];
const client = new MetaqClient({ serverUrl: `meta://127.0.0.1:${port}`, partitions: { txbench: 1 } });
const data = Buffer.alloc(size, 't');
const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
const db = mysql.createPool({ host: '127.0.0.1', user: 'root', database: 'test', connectionLimit: 2 });
if (mode === 'xa') {
  await db.query('CREATE TABLE IF NOT EXISTS txbench_accounts (id INT PRIMARY KEY, balance BIGINT NOT NULL) ENGINE=InnoDB');
  for (let worker = 0; worker < concurrency; worker += 1) await db.query('REPLACE INTO txbench_accounts VALUES (?, 0)', [worker]);
}

async function worker(index: number, count: number): Promise<void> {
  const producer = mode === 'xa' ? undefined : client.producer();
  let xa: { manager: XaTransactionManager; connection: mysql.Connection; send: (message: { topic: string; data: Buffer }) => Promise<unknown> } | undefined;
  if (mode === 'xa') {
    const connection = await mysql.createConnection({ host: '127.0.0.1', user: 'root', database: 'test' });
    const xaProducer = client.xaProducer({ topics: ['txbench'], uniqueQualifier: `bench-${process.pid}-${index}` });
    const { manager } = await XaTransactionManager.open({
      name: `bench-${process.pid}-${index}`,
      logPath: join(tmpdir(), `metaq-bench-tm-${process.pid}-${index}`),
      resources: [new MariaDbXaResource('db', connection), xaProducer],
      logger: pino({ level: 'silent' }),
    });
    xa = { manager, connection, send: (message) => xaProducer.send(message) };
  }
  for (let tx = 0; tx < count; tx += 1) {
    const started = performance.now();
    if (xa !== undefined) {
      const { connection, send } = xa;
      await xa.manager.run(async () => {
        await connection.query('UPDATE txbench_accounts SET balance = balance + 1 WHERE id = ?', [index]);
        await Promise.all(Array.from({ length: perTx }, () => send({ topic: 'txbench', data })));
      });
    } else {
      if (mode === 'local') producer!.beginTransaction();
      await Promise.all(Array.from({ length: perTx }, () => producer!.send({ topic: 'txbench', data })));
      if (mode === 'local') await producer!.commit();
    }
    histogram.recordValue(Math.max(1, Math.round((performance.now() - started) * 1000)));
  }
  if (xa !== undefined) {
    await xa.manager.close();
    await xa.connection.end();
  }
}

const started = performance.now();
await Promise.all(Array.from({ length: concurrency }, (_, index) => worker(index, Math.ceil(transactions / concurrency))));
const seconds = (performance.now() - started) / 1000;
const done = Math.ceil(transactions / concurrency) * concurrency;
await client.close();
await db.end();
process.stdout.write(
  `${JSON.stringify({ transactions: done, seconds, txPerSec: done / seconds, msgsPerSec: (done * perTx) / seconds, p50us: histogram.getValueAtPercentile(50), p99us: histogram.getValueAtPercentile(99) })}\n`,
);
