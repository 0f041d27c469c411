import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../logger.js';
import type { ReceivedMessage } from '../message.js';
import { LocalStoreSet } from '../local-store/local-store-set.js';
import { decodeReceived, encodeReceived } from '../local-store/message-codecs.js';
import { replayInOrder } from '../local-store/replay-in-order.js';

/**
 * Local recovery (docs/client.md): a message that failed more than `maxFetchRetries` times is stored on
 * disk under `<dir>/<topic>@<group>` and offered to the listener again every `intervalMs` until it
 * succeeds. Stores left by an earlier run are picked up when the consumer starts.
 */
export class RecoveryManager {
  private readonly stores: LocalStoreSet;
  private readonly timer: NodeJS.Timeout;
  private running: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly group: string,
    private readonly listener: () => ((message: ReceivedMessage) => Promise<void> | void) | undefined,
    private readonly logger: Logger,
    dir = join(homedir(), '.meta_recover'),
    intervalMs = 300_000,
  ) {
    this.stores = new LocalStoreSet(dir);
    this.timer = setInterval(() => void this.redeliver(), intervalMs);
    this.timer.unref();
  }

  /** Open the stores of these topics so messages saved by an earlier run are retried too. */
  async load(topics: Iterable<string>): Promise<void> {
    await Promise.all([...topics].map((topic) => this.stores.get(this.storeName(topic))));
  }

  /** The reject handler: keep the message on disk for later redelivery. */
  async save(message: ReceivedMessage): Promise<void> {
    await (await this.stores.get(this.storeName(message.topic))).add(recoveryKey(message), encodeReceived(message));
    this.logger.warn({ topic: message.topic, partition: message.partition, offset: message.offset }, 'message failed too often; saved for local recovery');
  }

  /** Offer every stored message to the listener, in order; successes leave the store. */
  redeliver(): Promise<void> {
    this.running ??= (async () => {
      const listener = this.listener();
      if (listener === undefined || this.closed) return;
      for (const [, store] of await this.stores.all()) {
        const failures = await replayInOrder(store, async (bytes) => listener(decodeReceived(bytes)), 'skip');
        if (failures.length > 0) this.logger.debug({ err: failures[0], failed: failures.length }, 'recovered messages failed again; kept for the next round');
      }
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Messages waiting for redelivery, per topic. */
  async pending(): Promise<Map<string, number>> {
    const counts = await this.stores.counts();
    return new Map([...counts].map(([name, count]) => [name.slice(0, name.lastIndexOf('@')), count]));
  }

  private storeName(topic: string): string {
    return `${topic}@${this.group}`;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.running;
    await this.stores.close();
  }
}

function recoveryKey(message: ReceivedMessage): string {
  return `${message.partition.brokerId}-${message.partition.index}@${message.offset}`;
}
