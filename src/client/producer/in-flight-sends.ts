import type { SendResult } from '../message.js';
import type { SendListener } from './put-set-batcher.js';

/** A producer's sends (and batches, and scheduled sends) in flight: `close()` waits for the last. */
export class InFlightSends {
  private count = 0;
  private waiters: Array<() => void> = [];

  get size(): number {
    return this.count;
  }

  begin(): void {
    this.count += 1;
  }

  end(): void {
    this.count -= 1;
    if (this.count === 0 && this.waiters.length > 0) for (const resolve of this.waiters.splice(0)) resolve();
  }

  /** Count `work` in flight until it settles, however it ends. */
  async during<T>(work: () => Promise<T>): Promise<T> {
    this.begin();
    try {
      return await work();
    } finally {
      this.end();
    }
  }

  /** Resolves once nothing is in flight. */
  drained(): Promise<void> {
    return this.count === 0 ? Promise.resolve() : new Promise<void>((resolve) => this.waiters.push(resolve));
  }
}

/**
 * One send, as its caller hears it: counted in flight from `countIn` until `done` tells its
 * outcome, on every path (stored, refused, timed out, retried on another broker, refused while
 * closing), because the count ends where the outcome is told and nowhere else. A failover retry
 * passes the same send on, so it stays counted until the retry ends. Subclasses say how the
 * caller hears (a promise, a callback, `sendAll`'s tally) without an object of their own.
 */
export abstract class CountedSend implements SendListener {
  private counter: InFlightSends | undefined = undefined;

  /** Counted from now until `done`. */
  countIn(counter: InFlightSends): void {
    counter.begin();
    this.counter = counter;
  }

  done(error: Error | undefined, result?: SendResult): void {
    const counter = this.counter;
    this.counter = undefined; // a second `done` cannot end the count twice
    try {
      this.hear(error, result);
    } finally {
      counter?.end();
    }
  }

  /** Tell the caller how the send ended. */
  protected abstract hear(error: Error | undefined, result: SendResult | undefined): void;
}
