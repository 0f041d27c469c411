import type { Logger } from 'pino';
import { checksum } from '../../common/checksum.js';
import { CommandDecoder } from '../../protocol/decoder.js';
import type { ReplayedRecord, TransactionJournal } from '../../storage/transaction-journal.js';
import type { PartitionStores } from '../partition-stores.js';
import { redoCommit } from './commit-redo.js';
import { Transaction } from './transaction.js';

export interface RecoveryOutcome {
  /** Prepared XA transactions, restored so RECOVER lists them and the coordinator can finish them. */
  prepared: Transaction[];
  committed: number;
  redoneBatches: number;
  rolledBack: number;
}

/**
 * Replay the journal after the partition stores are loaded (docs/transactions.md): rebuild transactions from
 * their put records, check every commit's batches are in place (writing them again if not), and
 * roll back everything that was neither committed nor prepared when the broker stopped.
 */
export async function recoverTransactions(
  replay: readonly ReplayedRecord[],
  journal: TransactionJournal,
  stores: PartitionStores,
  logger: Logger,
): Promise<RecoveryOutcome> {
  const open = new Map<string, Transaction>();
  const outcome: RecoveryOutcome = { prepared: [], committed: 0, redoneBatches: 0, rolledBack: 0 };
  for (const { record, position, bytes } of replay) {
    if (record.kind === 'append') {
      const [put] = new CommandDecoder({ maxBodyBytes: record.putFrame.length }).push(record.putFrame);
      if (put?.kind !== 'put' || put.txKey === undefined) {
        logger.error({ component: 'transactions', position }, 'journal put record holds no transactional put; skipped');
        continue;
      }
      let tx = open.get(put.txKey);
      if (tx === undefined) open.set(put.txKey, (tx = new Transaction(put.txKey, sessionOf(put.txKey), undefined, undefined)));
      tx.firstPosition ??= position;
      tx.state = 'IN_USE';
      tx.add({ topic: put.topic, partition: put.partition, id: record.messageId, flag: put.flag, checksum: checksum(put.body), payload: put.body });
      continue;
    }
    const tx = open.get(record.txKey);
    switch (record.type) {
      case 'XA_PREPARE':
        if (tx === undefined) break;
        tx.state = 'PREPARED';
        tx.user = record.owner; // none in older journals: then only an admin may finish it
        break;
      case 'XA_COMMIT':
      case 'LOCAL_COMMIT':
        open.delete(record.txKey);
        if (tx === undefined) break; // its puts were all behind the checkpoint, so its batches were flushed
        outcome.committed += 1;
        outcome.redoneBatches += await redoCommit(tx, record.locations, { position, bytes }, journal, stores, logger);
        break;
      case 'XA_ROLLBACK':
      case 'LOCAL_ROLLBACK':
        open.delete(record.txKey);
        break;
    }
  }
  for (const tx of open.values()) {
    if (tx.isXa && tx.state === 'PREPARED') {
      outcome.prepared.push(tx);
      continue;
    }
    await journal.append({
      kind: 'operation',
      type: tx.isXa ? 'XA_ROLLBACK' : 'LOCAL_ROLLBACK',
      wasPrepared: false,
      txKey: tx.key,
      locations: [],
      force: true,
    });
    outcome.rolledBack += 1;
  }
  return outcome;
}

/** The producer session inside `TX:<session>:<n>`; XA keys carry none. */
function sessionOf(key: string): string {
  return key.startsWith('TX:') ? key.slice(3, key.lastIndexOf(':')) : '';
}
