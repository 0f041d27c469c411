import { Status } from '../../protocol/status.js';
import { BrokerError, brokerStatus } from '../errors.js';
import type { OutgoingMessage, Partition } from '../message.js';
import type { PartitionSelector } from './partition-selector.js';
import type { SendOptions } from './producer-options.js';
import type { EncodedPut, SendListener } from './put-set-batcher.js';

/** Puts a send to a partition outside a transaction; `listener` hears the outcome. */
export type PutTo = (partition: Partition, put: EncodedPut, signal: AbortSignal | undefined, listener: SendListener) => void;

/**
 * A producer's failover of a 503 refusal (docs/client.md, Producer): the broker stored nothing
 * (it is fenced or its handlers are saturated), so a send whose partition the selector chose
 * tries once more on another broker (on another partition of any broker, for a partition being
 * moved), as Kafka's producer does on NOT_LEADER. A send whose
 * outcome is unknown is never retried: retrying may store twice.
 */
export class BrokerFailover {
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
    const canFailOver = this.enabled && options.partition === undefined && partitions.length > 1;
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
        else this.sendElsewhere(message, options, put, partitions, chosen, send, isMoving(error)); // still counted: `send` hears when the retry ends
      },
    };
  }

  /** A 503 (nothing stored) for a partition the selector chose may go once to another broker. */
  private mayFailOver(error: Error, options: SendOptions, partitions: readonly Partition[], chosen: Partition): boolean {
    if (brokerStatus(error) !== Status.serviceUnavailable || !this.enabled || options.partition !== undefined) return false;
    // A partition being moved refuses alone: any other partition, on this broker too, takes the send.
    return isMoving(error) ? partitions.length > 1 : partitions.some((p) => p.brokerId !== chosen.brokerId);
  }

  private sendElsewhere(
    message: OutgoingMessage,
    options: SendOptions,
    put: EncodedPut,
    partitions: readonly Partition[],
    chosen: Partition,
    send: SendListener,
    moving: boolean,
  ): void {
    try {
      const elsewhere = partitions.filter((p) => p.brokerId !== chosen.brokerId || (moving && p.index !== chosen.index));
      this.putTo(this.selector(put.topic, elsewhere, message), put, options.signal, send);
    } catch (error) {
      send.done(error as Error);
    }
  }
}

/** The source broker's refusal of a put to a partition an online move is switching (src/broker/moves/move-source.ts). */
const MOVING = /(?:^|Detail:)partition \d+-\d+ of \S+ is moving to broker \d+/;

function isMoving(error: Error): boolean {
  return error instanceof BrokerError && MOVING.test(error.reason);
}
