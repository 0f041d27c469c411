import type { Logger } from 'pino';
import type { JournalPosition, TransactionJournal } from '../../storage/transaction-journal.js';
import type { PartitionStores } from '../partition-stores.js';

/**
 * Lets replay start later (docs/transactions.md): every `checkpointInterval`, and when asked, the
 * journal is checkpointed at the oldest record an open transaction or an unfinished commit still
 * needs, once every partition is flushed past the commits before it.
 */
export class JournalCheckpoints {
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly journal: TransactionJournal,
    private readonly stores: PartitionStores,
    /** Journal records replay must still reach: unfinished commits and the first record of each open transaction. */
    private readonly stillNeeded: () => JournalPosition[],
    intervalMs: number,
    logger: Logger,
  ) {
    this.timer = setInterval(() => void this.checkpoint().catch((error: unknown) => logger.error({ err: error }, 'transaction checkpoint failed')), intervalMs);
    this.timer.unref();
  }

  async checkpoint(): Promise<void> {
    const mark = this.journal.position;
    await Promise.all([...this.stores.all().values()].flatMap((partitions) => [...partitions.values()].map((log) => log.flush())));
    const needed = [mark, ...this.stillNeeded()];
    const oldest = needed.reduce((a, b) => (b.number < a.number || (b.number === a.number && b.offset < a.offset) ? b : a));
    await this.journal.checkpoint(oldest);
  }

  /** No more periodic checkpoints (the owner takes the final one). */
  stop(): void {
    clearInterval(this.timer);
  }
}
