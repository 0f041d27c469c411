import { Readable } from 'node:stream';
import type { Consumer } from '../../client/consumer/consumer.js';
import type { ReceivedMessage } from '../../client/message.js';

/** A message handed to the processing code, done when it calls `ack` or `fail`. */
export interface Delivery<T> {
  message: ReceivedMessage;
  /** The message deserialized (MetaSpout's `Scheme`): its UTF-8 text unless told otherwise. */
  value: T;
  /** How many times this message was delivered before (0 the first time). */
  redeliveries: number;
  /** Processed: the partition moves on. */
  ack(): void;
  /** Not processed: the message is delivered again (after the consumer's retries, its onReject policy). */
  fail(reason?: unknown): void;
}

export interface SourceOptions<T> {
  deserialize?: (message: ReceivedMessage) => T;
  /** Deliveries waiting to be taken by the reader before the fetchers pause. */
  highWaterMark?: number;
}

/**
 * The stream-processing source MetaQ gave Storm (MetaSpout; docs/integrations.md), for Node: a consumer group's
 * messages as deliveries to `ack` or `fail`, read with `for await` or as a Readable. Like the
 * spout, one message per partition is in flight: the next one of a partition comes after the
 * previous one was acked, and a failed one comes again (the consumer's `maxFetchRetries`, then its
 * `onReject` policy, decide for how long). Partitions are processed side by side.
 */
export class MessageSource<T = string> implements AsyncIterable<Delivery<T>> {
  private readonly ready: Array<Delivery<T>> = [];
  private readonly readers: Array<(delivery: Delivery<T> | undefined) => void> = [];
  /**
   * Per partition, the message in flight and how often it was failed. One message per partition
   * is in flight, so one entry each: a message the consumer gave up on (onReject) is replaced by
   * the next one instead of being remembered for ever.
   */
  private readonly attempts = new Map<string, { id: bigint; failures: number }>();
  private running: Promise<void> | undefined;
  private ended = false;

  constructor(
    private readonly consumer: Consumer,
    private readonly options: SourceOptions<T> = {},
  ) {}

  [Symbol.asyncIterator](): AsyncIterator<Delivery<T>> {
    this.start();
    return {
      next: async () => {
        const delivery = await this.take();
        return delivery === undefined ? { done: true, value: undefined } : { done: false, value: delivery };
      },
      return: async () => {
        await this.close();
        return { done: true, value: undefined };
      },
    };
  }

  /** Deliveries as an object-mode Readable (for `pipeline`). */
  stream(): Readable {
    return Readable.from(this, { objectMode: true, highWaterMark: this.options.highWaterMark ?? 16 });
  }

  /** Stop: deliveries not yet acked are delivered again to the group later. */
  async close(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    for (const delivery of this.ready.splice(0)) delivery.fail(new Error('source closed'));
    for (const reader of this.readers.splice(0)) reader(undefined);
    await this.consumer.close();
    await this.running?.catch(() => undefined);
  }

  private start(): void {
    this.running ??= this.consumer.run((message) => this.deliver(message));
  }

  private take(): Promise<Delivery<T> | undefined> {
    const next = this.ready.shift();
    if (next !== undefined || this.ended) return Promise.resolve(next);
    return new Promise((resolve) => this.readers.push(resolve));
  }

  /** The consumer's listener: hand the message over, and settle when the reader acks or fails it. */
  private deliver(message: ReceivedMessage): Promise<void> {
    if (this.ended) return Promise.reject(new Error('source closed'));
    const key = `${message.topic}/${message.partition.brokerId}-${message.partition.index}`;
    const previous = this.attempts.get(key);
    const redeliveries = previous?.id === message.id ? previous.failures : 0;
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const delivery: Delivery<T> = {
        message,
        value: this.options.deserialize === undefined ? (message.data.toString('utf8') as T) : this.options.deserialize(message),
        redeliveries,
        ack: () => {
          if (settled) return;
          settled = true;
          this.attempts.delete(key);
          resolve();
        },
        fail: (reason) => {
          if (settled) return;
          settled = true;
          this.attempts.set(key, { id: message.id, failures: redeliveries + 1 });
          reject(reason instanceof Error ? reason : new Error(`failed by the processor: ${String(reason)}`));
        },
      };
      const reader = this.readers.shift();
      if (reader !== undefined) reader(delivery);
      else this.ready.push(delivery);
    });
  }
}
