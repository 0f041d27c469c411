import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { ReceivedMessage } from '../message.js';
import { LocalMessageStore } from '../local-store/local-message-store.js';
import { decodeReceived, encodeReceived } from '../local-store/message-codecs.js';
import { replayInOrder } from '../local-store/replay-in-order.js';

/**
 * Local recovery (§5.10): a message that failed more than `maxFetchRetries` times is stored on
 * disk under `<dir>/<topic>@<group>` and offered to the listener again every `intervalMs` until it
 * succeeds. Stores left by an earlier run are picked up when the consumer starts.
 */
export class RecoveryManager {
  private readonly stores = new Map<string, Promise<LocalMessageStore>>();
  private readonly timer: NodeJS.Timeout;
  private running: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly group: string,
    private readonly listener: () => ((message: ReceivedMessage) => Promise<void> | void) | undefined,
    private readonly logger: Logger,
    private readonly dir = join(homedir(), '.meta_recover'),
    intervalMs = 300_000,
  ) {
    this.timer = setInterval(() => void this.redeliver(), intervalMs);
    this.timer.unref();
  }

  private store(topic: string): Promise<LocalMessageStore> {
    let store = this.stores.get(topic);
    if (store === undefined) {
      store = LocalMessageStore.open(join(this.dir, `${topic}@${this.group}`));
      this.stores.set(topic, store);
    }
    return store;
  }

  /** Open the stores of these topics so messages saved by an earlier run are retried too. */
  async load(topics: Iterable<string>): Promise<void> {
    await Promise.all([...topics].map((topic) => this.store(topic)));
  }

  /** The reject handler: keep the message on disk for later redelivery. */
  async save(message: ReceivedMessage): Promise<void> {
    await (await this.store(message.topic)).add(recoveryKey(message), encodeReceived(message));
    this.logger.warn({ topic: message.topic, partition: message.partition, offset: message.offset }, 'message failed too often; saved for local recovery');
  }

  /** Offer every stored message to the listener, in order; successes leave the store. */
  redeliver(): Promise<void> {
    this.running ??= (async () => {
      const listener = this.listener();
      if (listener === undefined || this.closed) return;
      for (const store of await Promise.all(this.stores.values())) {
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
    const result = new Map<string, number>();
    for (const [topic, store] of this.stores) result.set(topic, (await store).count);
    return result;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.running;
    await Promise.all([...this.stores.values()].map(async (store) => (await store).close()));
  }
}

function recoveryKey(message: ReceivedMessage): string {
  return `${message.partition.brokerId}-${message.partition.index}@${message.offset}`;
}
