import type { ReceivedMessage } from '../message.js';

/**
 * Hands messages from fetch loops to an async iterator, one at a time: a fetch loop's
 * `deliver` resolves only when the reader asks for the next message, which means it finished
 * processing this one. So nothing is buffered beyond one fetched batch per partition.
 */
export class Handoff {
  private readonly waiting: Array<{ message: ReceivedMessage; processed: (error?: Error) => void }> = [];
  private readers: Array<(item: { message: ReceivedMessage; processed: (error?: Error) => void } | undefined) => void> = [];
  private current: ((error?: Error) => void) | undefined;
  private ended = false;

  deliver(message: ReceivedMessage): Promise<void> {
    if (this.ended) return Promise.reject(new Error('consumer stopped before this message was processed'));
    return new Promise((resolve, reject) => {
      const item = { message, processed: (error?: Error) => (error ? reject(error) : resolve()) };
      const reader = this.readers.shift();
      if (reader) reader(item);
      else this.waiting.push(item);
    });
  }

  /** The next message; the previous one counts as processed. undefined once ended. */
  async next(): Promise<ReceivedMessage | undefined> {
    this.current?.();
    this.current = undefined;
    if (this.ended) return undefined;
    const item =
      this.waiting.shift() ??
      (await new Promise<{ message: ReceivedMessage; processed: (error?: Error) => void } | undefined>((resolve) => this.readers.push(resolve)));
    if (item === undefined) return undefined;
    this.current = item.processed;
    return item.message;
  }

  /** Stop: the message being processed counts as processed; queued ones are handed back unprocessed. */
  end(): void {
    this.ended = true;
    this.current?.();
    this.current = undefined;
    for (const item of this.waiting.splice(0)) item.processed(new Error('consumer stopped before this message was processed'));
    for (const reader of this.readers.splice(0)) reader(undefined);
  }
}
