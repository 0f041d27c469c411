import type { SetAdmission } from './idempotent-sets.js';
import type { LogAppend } from './log-append.js';
import type { Listenable, PartitionLogEvents } from './log-events.js';
import type { RecoveryReport } from './log-recovery.js';
import type { CorruptRange } from './segment.js';

/**
 * What the broker may do with one topic-partition's store (PartitionLog implements it): append,
 * read, look up, wait for flushes, retire old segments, and follow writes through `events`.
 * Offsets are absolute byte offsets of the partition.
 */
export interface PartitionStore {
  /** The partition directory. */
  readonly dir: string;
  /** What opening the partition found and did. */
  readonly recovery: RecoveryReport;
  readonly events: Listenable<PartitionLogEvents>;
  /** Records in the last segment at load plus appends since: MetaQ's message_count. */
  readonly messageCount: number;
  readonly idempotentProducers: number;
  readonly minOffset: number;
  /** End of everything written, flushed or not. */
  readonly writtenEnd: number;
  /** End of what consumers may start reading from: the flushed end. */
  readonly visibleEnd: number;
  readonly sizeInBytes: number;
  /** Every corrupt range found so far. */
  readonly corruptRanges: readonly CorruptRange[];

  /** Queue an append; its `done` runs once written (and fsynced, in group-commit mode), or refused. */
  append(entry: LogAppend): void;
  /** Whether an idempotent producer's set is new, a retry or refused. */
  admitSet(producerId: string, sequence: number, records: number, bytes: number): SetAdmission;
  /** Resolves once every append queued so far has been written (or failed). */
  whenWritten(): Promise<void>;
  /** Call `wake` once the visible end passes `offset`, after `timeoutMs`, or at close; returns a cancel. */
  whenFlushedPast(offset: number, timeoutMs: number, wake: () => void): () => void;
  flush(): Promise<void>;
  setFlushPolicy(unflushThreshold: number, unflushInterval: number): Promise<void>;

  /** Up to `maxBytes` from `offset`, never crossing a segment end; `into` is a reused buffer. */
  read(offset: number, maxBytes: number, into?: Buffer): Promise<Buffer>;
  offsetForTime(timeMs: number): Promise<number>;
  offsetsForKey(key: string, limit: number): Promise<number[]>;
  /** Start offset of the segment holding `offset`, clamped to the log. */
  segmentStartFor(offset: number): number;

  /** Put a replica's copy of a corrupt range in place. */
  repair(range: CorruptRange, bytes: Buffer): Promise<void>;
  sealedSegments(): Array<{ start: number; path: string }>;
  dropOldestSegment(start: number): Promise<void>;
  /** Cut the log back to `offset`, for transaction recovery before serving. */
  truncateTail(offset: number): Promise<void>;
  /** Flush, record a clean shutdown, and close. */
  close(): Promise<void>;
}
