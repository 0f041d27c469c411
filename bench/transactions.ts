// Transaction figures for `npm run bench`: local transactions of 10 × 1 KiB and XA with MariaDB,
// beside the same sends without a transaction.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBrokerProcess, writeConfig } from '../test/support/broker-process.js';
import { runChild } from './child.js';

interface TxRun {
  transactions: number;
  seconds: number;
  txPerSec: number;
  msgsPerSec: number;
  p50us: number;
  p99us: number;
}

export interface TransactionResults {
  runs: Array<{ label: string; mode: string; perTx: number; concurrency: number; result: TxRun }>;
}

const WORKLOADS = [
  { label: '10 × 1 KiB, no transaction (baseline)', mode: 'plain', perTx: 10, concurrency: 1, count: 5000 },
  { label: '10 × 1 KiB in a local transaction', mode: 'local', perTx: 10, concurrency: 1, count: 5000 },
  { label: '10 × 1 KiB, no transaction (baseline)', mode: 'plain', perTx: 10, concurrency: 8, count: 20000 },
  { label: '10 × 1 KiB in a local transaction', mode: 'local', perTx: 10, concurrency: 8, count: 20000 },
  { label: 'XA: MariaDB row update + 1 × 1 KiB', mode: 'xa', perTx: 1, concurrency: 1, count: 2000 },
  { label: 'XA: MariaDB row update + 1 × 1 KiB', mode: 'xa', perTx: 1, concurrency: 4, count: 4000 },
];

export async function runTransactionBench(scale: number): Promise<TransactionResults> {
  const dir = mkdtempSync(join(tmpdir(), 'metaq-bench-tx-'));
  const broker = await startBrokerProcess(
    writeConfig(dir, { dataPath: join(dir, 'data'), unflushThreshold: 1000, unflushInterval: 1000 }, { txbench: { numPartitions: 1 } }),
  );
  const runs: TransactionResults['runs'] = [];
  try {
    for (const w of WORKLOADS) {
      const result = (await runChild('tx-producer.js', [
        broker.port,
        w.mode,
        Math.max(w.concurrency, Math.round(w.count * scale)),
        w.perTx,
        1024,
        w.concurrency,
      ])) as TxRun;
      runs.push({ label: w.label, mode: w.mode, perTx: w.perTx, concurrency: w.concurrency, result });
      console.log(`${w.label}, ${w.concurrency} producer(s): ${Math.round(result.txPerSec)} tx/s, p99 ${(result.p99us / 1000).toFixed(2)} ms`);
    }
    return { runs };
  } finally {
    await broker.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

export function transactionSection(r: TransactionResults): string {
  const rows = r.runs
    .map(
      ({ label, concurrency, result: t }) =>
        `| ${label} | ${concurrency} | ${t.transactions.toLocaleString('en')} | ${Math.round(t.txPerSec).toLocaleString('en')} | ${Math.round(t.msgsPerSec).toLocaleString('en')} | ${(t.p50us / 1000).toFixed(2)} | ${(t.p99us / 1000).toFixed(2)} |`,
    )
    .join('\n');
  return `## Transactions

Producers in one process running transactions one after another, journal fsynced at every commit, prepare and rollback (\`flushTxLogAtCommit=1\`); XA with MariaDB (one row \`UPDATE\` and one message). Latency per transaction.

| workload | producers | transactions | tx/s | msgs/s | p50 ms | p99 ms |
|---|---|---|---|---|---|---|
${rows}
`;
}
