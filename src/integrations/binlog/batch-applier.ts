import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { BeginTransaction, ReceivedMessage, SqlOffsetStorage } from '../../client/index.js';
import { partitionName } from '../../client/index.js';
import type { ChangeApplier } from './change-applier.js';
import type { RowChange } from './row-change.js';
import { parseRowChange } from './row-change.js';

interface PartitionBatch {
  buffer: ReceivedMessage[];
  /** The partition's flushes, one after another. */
  flushing: Promise<void>;
  scheduled: boolean;
}

export interface BatchApplierOptions {
  /** Changes of one partition applied in one database transaction, at most. */
  maxBatch: number;
}

/**
 * The consumer side of `metaq binlog-apply`: a partition's messages are gathered while the
 * consumer hands them over and applied in one database transaction per batch, together with the
 * group's offset. Inside that transaction the stored offset is locked and only messages at or
 * beyond it are applied, so each message takes effect exactly once even if a crash or a
 * rebalance makes two runs deliver it.
 */
export class BatchApplier {
  private readonly partitions = new Map<string, PartitionBatch>();
  applied = 0;

  constructor(
    private readonly applier: ChangeApplier,
    private readonly storage: SqlOffsetStorage,
    private readonly begin: BeginTransaction,
    private readonly group: string,
    private readonly logger: Logger,
    private readonly options: BatchApplierOptions,
  ) {}

  /** The consumer's listener: resolves at once unless the partition's batch is full. */
  readonly listener = async (message: ReceivedMessage): Promise<void> => {
    const name = `${message.topic}/${partitionName(message.partition)}`;
    let batch = this.partitions.get(name);
    if (batch === undefined) {
      batch = { buffer: [], flushing: Promise.resolve(), scheduled: false };
      this.partitions.set(name, batch);
    }
    batch.buffer.push(message);
    if (batch.buffer.length >= this.options.maxBatch) return this.flush(batch);
    if (!batch.scheduled) {
      // The consumer hands over a fetched run without yielding to I/O: flush once it is all here.
      batch.scheduled = true;
      const scheduled = batch;
      setImmediate(() => {
        scheduled.scheduled = false;
        void this.flush(scheduled);
      });
    }
  };

  private flush(batch: PartitionBatch): Promise<void> {
    const messages = batch.buffer.splice(0);
    if (messages.length > 0) batch.flushing = batch.flushing.then(() => this.commitWithRetry(messages));
    return batch.flushing;
  }

  /** Apply everything still gathered (after the consumer stopped). */
  async close(): Promise<void> {
    await Promise.all([...this.partitions.values()].map((batch) => this.flush(batch)));
  }

  /** A failed batch is tried again until it commits: the partition's order must hold. */
  private async commitWithRetry(messages: ReceivedMessage[]): Promise<void> {
    for (let delayMs = 100; ; delayMs = Math.min(delayMs * 2, 5000)) {
      try {
        await this.commit(messages);
        return;
      } catch (error) {
        this.logger.error({ err: error, retryInMs: delayMs }, 'could not apply row changes; retrying (does the target table exist with the same columns?)');
        await sleep(delayMs);
      }
    }
  }

  private async commit(messages: ReceivedMessage[]): Promise<void> {
    const first = messages[0]!;
    const last = messages[messages.length - 1]!;
    await this.storage.ensureTable();
    const transaction = await this.begin();
    try {
      const stored = await this.storage.lockWith(transaction.executor, first.topic, this.group, first.partition);
      const fresh = stored === undefined ? messages : messages.filter((message) => message.offset >= stored.offset);
      const changes = fresh.map((message) => this.parse(message)).filter((change) => change !== undefined);
      try {
        await this.applier.apply(transaction.executor, changes);
      } catch (error) {
        throw new Error(
          `applying ${changes.length} row changes of ${partitionName(first.partition)} from offset ${fresh[0]?.offset} failed: ${(error as Error).message}`,
          { cause: error },
        );
      }
      if (fresh.length > 0)
        await this.storage.commitWith(transaction.executor, this.group, [
          { topic: last.topic, partition: last.partition, offset: last.nextOffset, msgId: last.id },
        ]);
      await transaction.commit();
      this.applied += fresh.length;
    } catch (error) {
      await transaction.rollback().catch(() => undefined); // the original error is the one to report
      throw error;
    }
  }

  private parse(message: ReceivedMessage): RowChange | undefined {
    try {
      return parseRowChange(message.data);
    } catch (error) {
      // It can never apply; holding the partition on it would stop the sync for good.
      this.logger.error({ err: error, partition: partitionName(message.partition), offset: message.offset }, 'skipping a message that is not a row change');
      return undefined;
    }
  }
}
