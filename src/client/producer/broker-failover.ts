import { Status } from '../../protocol/status.js';
import { brokerStatus } from '../errors.js';
import type { OutgoingMessage, Partition } from '../message.js';
import type { PartitionSelector } from './partition-selector.js';
import type { SendOptions } from './producer-options.js';
import type { EncodedPut, SendListener } from './put-set-batcher.js';

/** Puts a send to a partition outside a transaction; `listener` hears the outcome. */
export type PutTo = (partition: Partition, put: EncodedPut, signal: AbortSignal | undefined, listener: SendListener) => void;

/**
 * A producer's failover of a 503 refusal (docs/client.md, Producer): the broker stored nothing
 * (it is fenced or its handlers are saturated), so a send whose partition the selector chose
 * tries once more on another broker, as Kafka's producer does on NOT_LEADER. A send whose
 * outcome is unknown is never retried: retrying may store twice.
 */
export class BrokerFailover {
  private readonly brokerSpans = new WeakMap<readonly Partition[], boolean>();

  constructor(
    /** Off for an idempotent producer and with `failover: false`. */
    private readonly enabled: boolean,
    private readonly selector: PartitionSelector,
    private readonly putTo: PutTo,
  ) {}

  /**
   * Who hears a send put to `chosen`: `send` itself, or where the selector chose among
   * partitions on several brokers, a listener that first retries a 503 elsewhere.
   */
  listenerFor(
    message: OutgoingMessage,
    options: SendOptions,
    put: EncodedPut,
    partitions: readonly Partition[],
    chosen: Partition,
    send: SendListener,
  ): SendListener {
    const canFailOver = this.enabled && options.partition === undefined && this.spansBrokers(partitions);
    return canFailOver ? this.failingOver(message, options, put, partitions, chosen, send) : send;
  }

  /** `send`, but a 503 for the selector's choice first tries once more on another broker. */
  private failingOver(
    message: OutgoingMessage,
    options: SendOptions,
    put: EncodedPut,
    partitions: readonly Partition[],
    chosen: Partition,
    send: SendListener,
  ): SendListener {
    return {
      done: (error, result) => {
        if (error === undefined || !this.mayFailOver(error, options, partitions, chosen)) send.done(error, result);
        else this.sendElsewhere(message, options, put, partitions, chosen, send); // still counted: `send` hears when the retry ends
      },
    };
  }

  /** Whether a topic's partitions are on more than one broker (remembered per partition list). */
  private spansBrokers(partitions: readonly Partition[]): boolean {
    let spans = this.brokerSpans.get(partitions);
    if (spans === undefined) {
      spans = partitions.some((p) => p.brokerId !== partitions[0]!.brokerId);
      this.brokerSpans.set(partitions, spans);
    }
    return spans;
  }

  /** A 503 (nothing stored) for a partition the selector chose may go once to another broker. */
  private mayFailOver(error: Error, options: SendOptions, partitions: readonly Partition[], chosen: Partition): boolean {
    return (
      brokerStatus(error) === Status.serviceUnavailable &&
      this.enabled &&
      options.partition === undefined &&
      partitions.some((p) => p.brokerId !== chosen.brokerId)
    );
  }

  private sendElsewhere(
    message: OutgoingMessage,
    options: SendOptions,
    put: EncodedPut,
    partitions: readonly Partition[],
    chosen: Partition,
    send: SendListener,
  ): void {
    try {
      const elsewhere = partitions.filter((p) => p.brokerId !== chosen.brokerId);
      this.putTo(this.selector(put.topic, elsewhere, message), put, options.signal, send);
    } catch (error) {
      send.done(error as Error);
    }
  }
}
