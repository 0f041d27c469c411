import type { Logger } from 'pino';
import type { JournalPosition, TransactionJournal } from '../../storage/transaction-journal.js';
import type { BatchLocation } from '../../storage/tx-journal-codec.js';
import { locationOffsetPosition } from '../../storage/tx-journal-codec.js';
import type { PartitionStores } from '../partition-stores.js';
import { appendBatch, checkCommittedBatch, partitionBatch } from './partition-batch.js';
import type { Transaction } from './transaction.js';

/** Where a commit record sits and its bytes, so a batch's exact offset can be written into it. */
export interface WrittenCommit {
  position: JournalPosition;
  bytes: Buffer;
}

/** Write the exact offset of location `index` over its hint, in place. */
export function placeLocation(journal: TransactionJournal, commit: WrittenCommit, index: number, offset: number): Promise<void> {
  const field = Buffer.allocUnsafe(8);
  field.writeBigInt64BE(BigInt(offset));
  return journal.rewrite({ number: commit.position.number, offset: commit.position.offset + locationOffsetPosition(commit.bytes, index) }, field);
}

/**
 * Recovery of one committed transaction (docs/transactions.md): every batch its commit record names must be in
 * its partition whole. A batch torn by the crash is cut off and appended again; a missing one is
 * appended. Returns how many batches had to be written again.
 */
export async function redoCommit(
  tx: Transaction,
  locations: readonly BatchLocation[],
  commit: WrittenCommit,
  journal: TransactionJournal,
  stores: PartitionStores,
  logger: Logger,
): Promise<number> {
  const groups = tx.byPartition();
  let redone = 0;
  for (const [index, location] of locations.entries()) {
    const messages = groups.get(location.partition);
    if (messages === undefined || messages.length === 0) {
      logger.error(
        { component: 'transactions', tx: tx.key, partition: location.partition },
        'commit record names a partition the transaction put nothing in; skipped',
      );
      continue;
    }
    // Committed: its partitions were reserved against maxTopics/maxPartitions at its decision.
    const log = await stores.getOrCreate(messages[0]!.topic, messages[0]!.partition, false);
    const found = await checkCommittedBatch(log, location, messages[0]!.id);
    if (found.state === 'present') continue;
    if (found.state === 'torn') await log.truncateTail(found.cutAt);
    const offset = await appendBatch(log, partitionBatch(log, location.partition, messages).records);
    await placeLocation(journal, commit, index, offset);
    redone += 1;
    logger.warn(
      { component: 'transactions', tx: tx.key, partition: location.partition, offset, torn: found.state === 'torn' },
      'committed transaction batch was not in its partition: appended again',
    );
  }
  return redone;
}
