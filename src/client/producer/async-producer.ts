import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../logger.js';
import { LocalStoreSet } from '../local-store/local-store-set.js';
import { decodeOutgoing, encodeOutgoing } from '../local-store/message-codecs.js';
import { replayInOrder } from '../local-store/replay-in-order.js';
import type { OutgoingMessage } from '../message.js';
import { checkPositiveInt, checkTopic } from '../validate.js';
import type { Producer } from './producer.js';

export interface AsyncProducerOptions {
  /** Sliding window in 4 KiB units (MetaQ: 20,000, about 80 MB in flight). */
  windowUnits?: number;
  /** Where messages spill when the window is full or a send fails (default ~/.meta_async_storage). */
  localDir?: string;
  resendIntervalMs?: number;
  /** Spilled messages kept per topic before new ones are dropped (MetaQ: 500,000). */
  maxSpilledPerTopic?: number;
}

const UNIT_BYTES = 4096;

/**
 * The one-way producer (docs/client.md), for logs and behaviour data: `send` returns at once and never
 * waits for the broker. A sliding window bounds what is in flight; a message that does not fit,
 * or whose send fails, spills to a local store and is resent later, in order. Only input errors
 * throw.
 */
export class AsyncProducer {
  private readonly stores: LocalStoreSet;
  private readonly window: number;
  private readonly maxSpilled: number;
  private readonly timer: NodeJS.Timeout;
  private used = 0;
  private sequence = 0;
  private spills: Promise<void> = Promise.resolve();
  private readonly adding = new Set<Promise<void>>();
  private roomWaiters: Array<() => void> = [];
  private resending: Promise<void> | undefined;
  /** Counters: messages acknowledged, spilled locally, dropped because the local store was full. */
  readonly counts = { sent: 0, spilled: 0, dropped: 0 };

  constructor(
    private readonly producer: Producer,
    private readonly logger: Logger,
    private readonly options: AsyncProducerOptions = {},
  ) {
    this.window = options.windowUnits === undefined ? 20_000 : checkPositiveInt(options.windowUnits, 'options.windowUnits');
    this.maxSpilled = options.maxSpilledPerTopic ?? 500_000;
    this.stores = new LocalStoreSet(options.localDir ?? join(homedir(), '.meta_async_storage'));
    this.timer = setInterval(() => void this.resend(), options.resendIntervalMs ?? 300_000);
    this.timer.unref();
  }

  /** Queue a message and return at once; with the window full it spills to the local store. */
  send(message: OutgoingMessage): void {
    const units = this.unitsOf(message);
    if (this.used + units > this.window) {
      this.spill(message);
      return;
    }
    this.start(message, units);
  }

  /**
   * Like `send`, but when the window is full wait for room instead of spilling (a log shipper
   * with its own buffer ahead of it). Resolves once the message is in flight, not when acked.
   */
  async offer(message: OutgoingMessage): Promise<void> {
    const units = this.unitsOf(message);
    while (this.used > 0 && this.used + units > this.window) await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
    this.start(message, units);
  }

  private unitsOf(message: OutgoingMessage): number {
    checkTopic(message?.topic, 'message.topic');
    const size = typeof message.data === 'string' ? Buffer.byteLength(message.data) : message.data?.length;
    return Math.max(1, Math.floor((size ?? 0) / UNIT_BYTES));
  }

  private start(message: OutgoingMessage, units: number): void {
    this.used += units;
    const done = (): void => {
      this.used -= units;
      for (const resolve of this.roomWaiters.splice(0)) resolve();
    };
    this.producer.send(message).then(
      () => {
        done();
        this.counts.sent += 1;
      },
      () => {
        done();
        this.spill(message);
      },
    );
  }

  private spill(message: OutgoingMessage): void {
    // The chain keeps spills in order; the adds themselves are not awaited one by one, so the
    // store writes a burst of them with one fsync.
    this.spills = this.spills.then(async () => {
      const store = await this.stores.get(message.topic);
      if (store.count >= this.maxSpilled) {
        this.counts.dropped += 1;
        this.logger.warn({ topic: message.topic }, 'async producer local store is full; message dropped');
        return;
      }
      const added = store.add(`${Date.now()}-${this.sequence++}`, encodeOutgoing(message)).then(
        () => {
          this.counts.spilled += 1;
        },
        (error: unknown) => {
          this.counts.dropped += 1;
          this.logger.error({ err: error, topic: message.topic }, 'async producer could not write to its local store; message dropped');
        },
      );
      this.adding.add(added);
      void added.finally(() => this.adding.delete(added));
    });
  }

  /** Spills queued and written. */
  private async spilled(): Promise<void> {
    await this.spills;
    await Promise.all(this.adding);
  }

  /** Resend spilled messages in order, topic by topic; a failure ends that topic's round. */
  resend(): Promise<void> {
    this.resending ??= (async () => {
      await this.spilled();
      for (const [topic, store] of await this.stores.all()) {
        const failures = await replayInOrder(
          store,
          async (bytes) => {
            await this.producer.send(decodeOutgoing(bytes));
            this.counts.sent += 1;
          },
          'stop',
        );
        if (failures.length > 0) this.logger.debug({ err: failures[0], topic }, 'resend of spilled messages stopped; next round later');
      }
    })().finally(() => {
      this.resending = undefined;
    });
    return this.resending;
  }

  /** Spilled messages waiting, per topic. */
  async waiting(): Promise<Map<string, number>> {
    await this.spilled();
    return this.stores.counts();
  }

  /** Wait for sends in flight and spills, then close the local stores. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.producer.close();
    await this.spilled();
    await this.resending;
    await this.stores.close();
  }
}
