import type { Clock } from '../common/clock.js';
import type { StorageError } from '../common/errors.js';
import { FlushWaiters } from './flush-waiters.js';
import type { RecoveryPointWriter } from './recovery-point.js';

/** What a flush works on: the log it belongs to. */
export interface FlushTarget {
  /** End of everything written, flushed or not. */
  writtenEnd(): number;
  /** fsync everything written so far. */
  sync(): Promise<void>;
  /** Fence the log after a failed fsync; returns the error appends now get. */
  fence(error: unknown, during: string): StorageError;
}

/**
 * When one partition log is fsynced, and what consumers may see (docs/storage.md, flush). In
 * normal mode an fsync follows when more than `unflushThreshold` messages or `unflushInterval`
 * ms have passed since the last; with `unflushThreshold <= 0` (group commit) every write is
 * fsynced before its appends are acknowledged. Consumers see data up to the flushed end, and
 * those waiting at the end are woken when it moves. Each flush moves the recovery point too.
 */
export class FlushPolicy {
  private end: number;
  private unflushed = 0;
  private lastFlushAt: number;
  private wanted = false;
  private running: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly waiters = new FlushWaiters();
  private readonly runTimed = (): void => {
    if (this.unflushed > 0) this.flush().catch(() => undefined); // failure already fenced and logged
  };
  private readonly loopDone = (): void => {
    this.running = undefined;
  };

  constructor(
    private readonly target: FlushTarget,
    private readonly point: RecoveryPointWriter,
    private readonly clock: Clock,
    flushedEnd: number,
    private unflushThreshold: number,
    private unflushInterval: number,
  ) {
    this.end = flushedEnd;
    this.lastFlushAt = clock.monotonicMs();
    this.scheduleFlushes();
  }

  /** Acks wait for the fsync that covers them. */
  get groupCommit(): boolean {
    return this.unflushThreshold <= 0;
  }

  /** End of what consumers may start reading from (docs/protocol.md, get). */
  get flushedEnd(): number {
    return this.end;
  }

  private scheduleFlushes(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.groupCommit || this.unflushInterval <= 0) return;
    this.timer = setInterval(this.runTimed, this.unflushInterval);
    this.timer.unref();
  }

  /**
   * Change the policy of an open log (a topic reload, docs/operations.md). What was written
   * under the old policy is flushed first, so switching to group commit never leaves acked data
   * unflushed.
   */
  async change(unflushThreshold: number, unflushInterval: number): Promise<void> {
    if (unflushThreshold === this.unflushThreshold && unflushInterval === this.unflushInterval) return;
    await this.flush();
    this.unflushThreshold = unflushThreshold;
    this.unflushInterval = unflushInterval;
    this.scheduleFlushes();
  }

  /** Normal mode: `records` more were written and acknowledged; flush if the policy says so. */
  wrote(records: number): void {
    this.unflushed += records;
    if (this.unflushed > this.unflushThreshold || this.clock.monotonicMs() - this.lastFlushAt > this.unflushInterval) {
      this.flush().catch(() => undefined); // a failure fences the log and is logged there
    }
  }

  /** fsync what is written and advance the flushed end. Concurrent calls share one loop. */
  flush(): Promise<void> {
    this.wanted = true;
    this.running ??= this.runFlushes().finally(this.loopDone);
    return this.running;
  }

  private async runFlushes(): Promise<void> {
    while (this.wanted) {
      this.wanted = false;
      const target = this.target.writtenEnd();
      if (target <= this.end) continue;
      this.unflushed = 0;
      this.lastFlushAt = this.clock.monotonicMs();
      try {
        await this.target.sync();
      } catch (error) {
        throw this.target.fence(error, 'fsync');
      }
      this.flushedTo(target);
    }
  }

  /** Everything before `end` is fsynced (by a flush, a group commit or a segment roll). */
  flushedTo(end: number): void {
    if (end > this.end) this.end = end;
    this.waiters.flushedPast(end);
    this.point.flushedTo(this.end);
  }

  /**
   * Call `wake` once the flushed end passes `offset`, or after `timeoutMs`, or at close: for
   * consumers waiting at the end of the log. Returns a function that cancels the wait.
   */
  whenFlushedPast(offset: number, timeoutMs: number, wake: () => void): () => void {
    if (this.end > offset || this.stopped) {
      wake();
      return () => undefined;
    }
    return this.waiters.add(offset, timeoutMs, wake);
  }

  /** The log was cut back to `offset` (before serving): the flushed end and the point follow. */
  cutTo(offset: number): Promise<void> {
    this.end = Math.min(this.end, offset);
    return this.point.cutTo(this.end);
  }

  /** The log is closing: wake every waiting consumer and stop timed flushes. */
  stop(): void {
    this.stopped = true;
    this.waiters.wakeAll();
    if (this.timer) clearInterval(this.timer);
  }
}
