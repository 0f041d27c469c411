import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../logger.js';
import { brokerStatus, InvalidArgumentError, isOutcomeUnknown } from '../errors.js';
import type { LocalMessageStore } from '../local-store/local-message-store.js';
import { LocalStoreSet } from '../local-store/local-store-set.js';
import { decodeOutgoing, encodeOutgoing } from '../local-store/message-codecs.js';
import { replayInOrder } from '../local-store/replay-in-order.js';
import type { OutgoingMessage, Partition, SendResult } from '../message.js';
import { partitionName } from '../message.js';
import { ANY_PARTITION } from '../partition-router.js';
import { checkPositiveInt, checkTopic } from '../validate.js';
import type { PartitionSelector } from './partition-selector.js';
import { keySelector } from './partition-selector.js';
import type { Producer, ProducerHost } from './producer.js';

export interface OrderedProducerOptions {
  /** Must map a message to the same partition every time; default: by `message.key`. */
  selector?: PartitionSelector;
  sendTimeoutMs?: number;
  /** Where messages wait when their partition is unavailable (default ~/.meta_localmessage). */
  localDir?: string;
  /** How often waiting messages are resent, in order. */
  resendIntervalMs?: number;
  /** Also keep messages whose send timed out or lost its connection (they may then be stored twice). */
  saveToLocalWhenFailed?: boolean;
}

/** A send result, or the note that the message waits locally for its partition. */
export type OrderedSendResult = (SendResult & { storedLocally: false }) | { storedLocally: true; partition: Partition };

/**
 * The ordered producer (docs/client.md): each message goes to the partition its key selects among the
 * topic's *configured* partitions (client option `partitions`), so the mapping stays stable. When
 * that partition is unavailable (closed for migration: 403), or earlier messages for it are still
 * waiting, the message is appended to a local store for that partition and resent in order later,
 * so per-key order holds across the outage.
 */
export class OrderedProducer {
  private readonly stores: LocalStoreSet;
  private readonly selector: PartitionSelector;
  private readonly timer: NodeJS.Timeout;
  private resending: Promise<void> | undefined;
  private sequence = 0;

  constructor(
    private readonly host: ProducerHost,
    private readonly producer: Producer,
    private readonly logger: Logger,
    private readonly options: OrderedProducerOptions = {},
  ) {
    this.selector = options.selector ?? keySelector();
    this.stores = new LocalStoreSet(options.localDir ?? join(homedir(), '.meta_localmessage'));
    if (options.sendTimeoutMs !== undefined) checkPositiveInt(options.sendTimeoutMs, 'options.sendTimeoutMs');
    this.timer = setInterval(() => void this.resend(), options.resendIntervalMs ?? 300_000);
    this.timer.unref();
  }

  async send(message: OutgoingMessage): Promise<OrderedSendResult> {
    const topic = checkTopic(message?.topic, 'message.topic');
    const partitions = this.host.router.knownPartitions(topic);
    if (partitions === undefined || partitions.length === 0 || partitions[0] === ANY_PARTITION) {
      throw new InvalidArgumentError(
        'message.topic',
        `${topic} has no configured partitions; give the client partitions: { '${topic}': N } so the key → partition mapping is stable`,
      );
    }
    const partition = this.selector(topic, partitions, message);
    const store = await this.stores.get(`${topic}@${partitionName(partition)}`);
    if (store.count > 0) {
      await this.resend();
      if (store.count > 0) return this.keepLocally(store, message, partition);
    }
    try {
      const result = await this.producer.send(message, { partition, timeoutMs: this.options.sendTimeoutMs });
      return { ...result, storedLocally: false };
    } catch (error) {
      const unavailable = brokerStatus(error) === 403;
      const unknown = isOutcomeUnknown(error);
      if (unavailable || (unknown && this.options.saveToLocalWhenFailed)) return this.keepLocally(store, message, partition);
      throw error;
    }
  }

  private async keepLocally(store: LocalMessageStore, message: OutgoingMessage, partition: Partition): Promise<OrderedSendResult> {
    await store.add(`${Date.now()}-${this.sequence++}`, encodeOutgoing(message));
    return { storedLocally: true, partition };
  }

  /** Resend waiting messages partition by partition, in order; a failure ends that partition's round. */
  resend(): Promise<void> {
    this.resending ??= (async () => {
      for (const [name, store] of await this.stores.all()) {
        const partition = { brokerId: 0, index: Number(name.slice(name.lastIndexOf('-') + 1)) };
        const failures = await replayInOrder(
          store,
          (bytes) => this.producer.send(decodeOutgoing(bytes), { partition, timeoutMs: this.options.sendTimeoutMs }).then(() => undefined),
          'stop',
        );
        if (failures.length > 0) this.logger.debug({ err: failures[0], store: name }, 'resend of locally kept messages stopped; next round later');
      }
    })().finally(() => {
      this.resending = undefined;
    });
    return this.resending;
  }

  /** Messages waiting locally, per `topic@brokerId-index`. */
  async waiting(): Promise<Map<string, number>> {
    return this.stores.counts();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.resending;
    await this.producer.close();
    await this.stores.close();
  }
}
