import { LONG_MAX_OFFSET } from '../../protocol/commands.js';
import type { ReceivedMessage } from '../message.js';
import type { DuplicateCache } from './duplicate-cache.js';

/** The offset to send for "start at the newest message". */
export const NEWEST = LONG_MAX_OFFSET;

/**
 * Where a group's reading of one partition stands: the next offset to fetch, what was acked
 * (manual-ack mode), whether it moved since the last commit, and the moves (rollbacks, seeks)
 * that stop a batch being delivered.
 */
export class PartitionPosition {
  offset: number;
  lastMsgId = -1n;
  /** The offset moved since the last commit. */
  dirty = false;
  /** Manual-ack mode: the position `ack()` made durable; commits save this one. */
  ackedOffset: number;
  /** Counts rollbacks and seeks: a batch being delivered when it changes stops there. */
  moves = 0;
  /** How many messages of the compressed set at `offset` were processed before it failed. */
  doneInRecord: { offset: number; count: number } | undefined = undefined;

  constructor(
    startOffset: number,
    /** Manual acknowledgement (docs/client.md, Consumer): processed messages advance only `offset`. */
    private readonly manualAck: boolean,
    private readonly duplicates: DuplicateCache,
  ) {
    this.offset = startOffset;
    this.ackedOffset = startOffset;
  }

  /** Processing moved the position (a commit saves it, unless acks decide). */
  moveTo(offset: number): void {
    if (offset !== this.offset) {
      this.offset = offset;
      if (!this.manualAck) this.dirty = true;
    }
  }

  /** The position to commit: everything processed, or in manual-ack mode everything acked. */
  get committableOffset(): number {
    return this.manualAck ? this.ackedOffset : this.offset;
  }

  /** Whether a commit has something new to save. */
  get movedSinceCommit(): boolean {
    return this.dirty && this.offset !== NEWEST;
  }

  /** Manual ack: messages up to and including this one are done. */
  ack(message: ReceivedMessage): void {
    if (message.nextOffset > this.ackedOffset) {
      this.ackedOffset = message.nextOffset;
      this.dirty = true;
    }
  }

  /** Manual rollback: forget everything since the last ack; it is fetched and delivered again. */
  rollback(): void {
    this.offset = this.ackedOffset;
    this.doneInRecord = undefined;
    this.moves += 1;
  }

  /**
   * Move to `offset` (consumer.seek): the batch being delivered stops after its current message
   * and fetching goes on from there; the move is committed like any progress.
   */
  seek(offset: number): void {
    this.offset = offset;
    this.ackedOffset = offset;
    this.dirty = true;
    this.doneInRecord = undefined;
    this.moves += 1;
    this.duplicates.clear(); // a seek back asks for those messages again
  }
}
