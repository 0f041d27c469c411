/** A consumer waiting at the end of the log for the flushed end to pass `offset`. */
interface FlushWaiter {
  offset: number;
  wake: () => void;
}

/** Consumers waiting at the end of one log for the next flush (long-polling gets). */
export class FlushWaiters {
  private readonly waiting = new Set<FlushWaiter>();

  /**
   * Call `wake` once `flushedPast(end)` is told of an end past `offset`, after `timeoutMs`, or
   * at `wakeAll`. Returns a function that cancels the wait.
   */
  add(offset: number, timeoutMs: number, wake: () => void): () => void {
    const cancel = (): void => {
      clearTimeout(timer);
      this.waiting.delete(waiter);
    };
    const waiter = {
      offset,
      wake: (): void => {
        cancel();
        wake();
      },
    };
    const timer = setTimeout(waiter.wake, timeoutMs);
    this.waiting.add(waiter);
    return cancel;
  }

  /** The flushed end is now `end`: wake everyone waiting below it. */
  flushedPast(end: number): void {
    for (const waiter of this.waiting) if (waiter.offset < end) waiter.wake();
  }

  wakeAll(): void {
    for (const waiter of this.waiting) waiter.wake();
  }
}
