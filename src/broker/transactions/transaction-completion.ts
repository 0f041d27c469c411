import type { Logger } from 'pino';
import type { PartitionStore } from '../../storage/partition-store.js';
import type { JournalPosition, TransactionJournal } from '../../storage/transaction-journal.js';
import type { PartitionStores } from '../partition-stores.js';
import { StoreRefusal } from '../partition-stores.js';
import type { WrittenCommit } from './commit-redo.js';
import { placeLocation } from './commit-redo.js';
import type { PartitionBatch } from './partition-batch.js';
import { appendBatch, batchBytes, partitionBatch } from './partition-batch.js';
import type { Transaction } from './transaction.js';
import type { TransactionCaller } from './transaction-rights.js';
import type { TransactionTable } from './transaction-table.js';
import { XaCode, XaException } from './xa-error.js';

/**
 * Carries out a transaction's outcome once it is decided (docs/transactions.md). A commit journals
 * the decision (forced) before appending each partition's messages as one contiguous batch, so a
 * crash at any point is finished by recovery and consumers never see part of a transaction; a
 * rollback journals that the messages are dropped, never stored.
 */
export class TransactionCompletion {
  /** Commit records whose batches are not all appended yet: replay must still reach them. */
  readonly committing = new Set<JournalPosition>();
  /** Set on a sync master: a commit is acknowledged only once the slave holds its batches too. */
  waitReplicated: ((log: PartitionStore, end: number) => Promise<void>) | undefined;

  constructor(
    private readonly journal: TransactionJournal,
    private readonly table: TransactionTable,
    private readonly stores: PartitionStores,
    private readonly logger: Logger,
  ) {}

  async commitNow(tx: Transaction): Promise<void> {
    tx.finishing = true;
    tx.clearTimer();
    if (tx.messages.length === 0) {
      this.table.remove(tx);
      return;
    }
    await tx.lastWrite;
    let batches: PartitionBatch[];
    try {
      if (tx.broken !== undefined) throw tx.broken;
      // Unbudgeted: its new stores were reserved at its decision (reserveStores).
      batches = await Promise.all(
        [...tx.byPartition()].map(async ([name, messages]) =>
          partitionBatch(await this.stores.getOrCreate(messages[0]!.topic, messages[0]!.partition, false), name, messages),
        ),
      );
    } catch (error) {
      await this.rollbackNow(tx);
      throw new XaException(
        XaCode.rollbackOther,
        `transaction '${tx.key}' could not be stored and was rolled back: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    const decision = {
      kind: 'operation' as const,
      type: tx.isXa ? ('XA_COMMIT' as const) : ('LOCAL_COMMIT' as const),
      wasPrepared: tx.state === 'PREPARED',
      txKey: tx.key,
      locations: batches.map((batch) => batch.location),
      force: true,
    };
    let commit: WrittenCommit;
    try {
      commit = await this.journal.append(decision);
    } catch (error) {
      await this.rollbackNow(tx).catch(() => undefined);
      throw new XaException(XaCode.rollbackOther, `could not journal the commit of '${tx.key}' (${String(error)}); it was rolled back`);
    }
    // Decided: from here recovery finishes the commit whatever happens to this process.
    this.table.remove(tx);
    this.committing.add(commit.position);
    const offsets = await Promise.all(batches.map((batch) => appendBatch(batch.log, batch.records))).catch((error: unknown) => {
      throw new XaException(
        XaCode.resourceError,
        `transaction '${tx.key}' is committed but its messages could not be stored now (${String(error)}); they are stored when the broker restarts`,
      );
    });
    this.committing.delete(commit.position);
    await Promise.all(offsets.map((offset, index) => placeLocation(this.journal, commit, index, offset))).catch((error: unknown) =>
      this.logger.warn({ err: error, tx: tx.key }, 'could not write exact batch offsets into the commit record; recovery finds them by id'),
    );
    const waitReplicated = this.waitReplicated;
    if (waitReplicated !== undefined) {
      await Promise.all(batches.map((batch, index) => waitReplicated(batch.log, offsets[index]! + batchBytes(batch)))).catch((error: unknown) => {
        throw new XaException(
          XaCode.resourceError,
          `transaction '${tx.key}' is committed on the master but its slave did not confirm it (${(error as Error).message})`,
        );
      });
    }
  }

  async rollbackNow(tx: Transaction): Promise<void> {
    tx.finishing = true;
    tx.clearTimer();
    this.table.remove(tx);
    await tx.lastWrite;
    if (tx.firstPosition === undefined) return; // nothing journaled, nothing to undo
    try {
      await this.journal.append({
        kind: 'operation',
        type: tx.isXa ? 'XA_ROLLBACK' : 'LOCAL_ROLLBACK',
        wasPrepared: tx.state === 'PREPARED',
        txKey: tx.key,
        locations: [],
        force: true,
      });
    } catch (error) {
      // Not prepared: restart rolls it back anyway. Prepared: it comes back in doubt, so say so.
      if (tx.state === 'PREPARED') throw new XaException(XaCode.resourceError, `could not journal the rollback of prepared '${tx.key}': ${String(error)}`);
    }
  }

  /** Roll back and refuse a transaction whose owner may no longer publish to one of its topics. */
  async refuseUnpublishable(tx: Transaction, caller: TransactionCaller | undefined): Promise<void> {
    const refusal = caller?.publishRefusal(tx);
    if (refusal === undefined) return;
    await this.rollbackNow(tx);
    throw new XaException(XaCode.rollbackOther, `${refusal}; so transaction '${tx.key}' was rolled back and none of its messages stored`);
  }

  /**
   * At a transaction's decision, reserve every store its commit will create, all at once and
   * counting what other undecided transactions reserved; roll it back if they do not fit. (The
   * check at each put reserves nothing: 20,000 puts to new topics would all pass it.)
   */
  async reserveStores(tx: Transaction): Promise<void> {
    try {
      tx.reservation = this.stores.budget.reserve(tx.partitions(), `transaction '${tx.key}'`);
    } catch (error) {
      if (!(error instanceof StoreRefusal)) throw error;
      await this.rollbackNow(tx);
      throw new XaException(XaCode.rollbackOther, `${error.message}; so transaction '${tx.key}' was rolled back and none of its messages stored`);
    }
  }
}
