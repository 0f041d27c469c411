import { randomUUID } from 'node:crypto';
import { zstdAvailable } from '../../protocol/compressed-set.js';
import { InvalidArgumentError } from '../errors.js';
import type { Partition } from '../message.js';
import { checkNonNegativeInt, checkPositiveInt } from '../validate.js';
import type { PartitionSelector } from './partition-selector.js';
import { defaultBatching, IdempotentSequences } from './put-set-batcher.js';
import type { BatchingOptions } from './put-set-batcher.js';

export interface ProducerOptions {
  /** Default: round robin, identical to MetaQ's Java client. */
  selector?: PartitionSelector;
  /** Per-send timeout; MetaQ's default is 3 s. */
  sendTimeoutMs?: number;
  /**
   * Whether a send the broker refused with 503 (nothing stored) tries another broker (default
   * true). Turn it off when the selector's choice carries meaning, as for per-key order.
   */
  failover?: boolean;
  /**
   * Gather sends into message sets, one `mput` per partition and set, where the broker offers
   * it (metaq brokers do; MetaQ brokers get one `put` per message). On by default; `false` sends
   * every message as its own `put`.
   */
  batching?: false | Partial<BatchingOptions>;
  /**
   * Store every message once even when a send is retried (Kafka's enable.idempotence): sets
   * carry this producer's id and a sequence number per partition, a send whose outcome is
   * unknown (timeout, lost connection) is sent again up to `retries` times, and the broker
   * answers a retry of a stored set with the original offset. Needs batching and a metaq broker
   * (`+idem`); implies `failover: false`, since a retry must go to the same partition.
   */
  idempotent?: boolean | { retries?: number };
}

export interface SendOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Send to this partition instead of asking the selector. */
  partition?: Partition;
}

/** What a send without options uses (not a new empty object per send). */
export const NO_OPTIONS: SendOptions = Object.freeze({});

/** The batching a producer's options ask for, checked: undefined for `batching: false`. */
export function batchingOf(options: ProducerOptions): BatchingOptions | undefined {
  if (options.batching === false) return undefined;
  if (options.batching !== undefined) {
    const { lingerMs, maxBatchBytes, maxBatchMessages, compression } = options.batching;
    if (lingerMs !== undefined) checkNonNegativeInt(lingerMs, 'batching.lingerMs');
    if (maxBatchBytes !== undefined) checkPositiveInt(maxBatchBytes, 'batching.maxBatchBytes');
    if (maxBatchMessages !== undefined) checkPositiveInt(maxBatchMessages, 'batching.maxBatchMessages');
    if (compression !== undefined && compression !== 'gzip' && compression !== 'zstd')
      throw new InvalidArgumentError('batching.compression', `must be 'gzip' or 'zstd', got ${JSON.stringify(compression)}`);
    if (compression === 'zstd' && !zstdAvailable())
      throw new InvalidArgumentError('batching.compression', `zstd needs Node.js 22.15 or later (this is ${process.version}); use 'gzip'`);
  }
  return { ...defaultBatching, ...options.batching };
}

/** The idempotence a producer's options ask for, checked. */
export function idempotenceOf(options: ProducerOptions): IdempotentSequences | undefined {
  const { idempotent } = options;
  if (idempotent === undefined || idempotent === false) return undefined;
  if (idempotent !== true && (typeof idempotent !== 'object' || idempotent === null))
    throw new InvalidArgumentError('idempotent', `must be true, false or { retries }, got ${JSON.stringify(idempotent)}`);
  if (options.batching === false) throw new InvalidArgumentError('idempotent', 'needs batching (idempotent sends travel as named sets): drop batching: false');
  if (options.failover === true)
    throw new InvalidArgumentError('failover', 'cannot be true for an idempotent producer: a retry must go to the partition of the first attempt');
  const retries = idempotent === true || idempotent.retries === undefined ? 5 : checkNonNegativeInt(idempotent.retries, 'idempotent.retries');
  return new IdempotentSequences(randomUUID(), retries);
}
