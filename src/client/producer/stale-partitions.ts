import { BrokerError } from '../errors.js';
import type { PartitionRouter } from '../partition-router.js';

/**
 * The broker's refusal of a put to a partition past the topic's numPartitions
 * (src/broker/partition-stores.ts): after "Detail:" in a put's 500, alone in a transactional put's.
 */
const WRONG_PARTITION = /(?:^|Detail:)wrong partition \d+$/;

/**
 * A "wrong partition" refusal means the topic has fewer partitions than the router learned (shrunk,
 * or deleted and created again): the router drops the count, so the next send asks the broker
 * instead of choosing from the stale list until it expires. Called on failures only, so a send
 * that succeeds pays nothing for it.
 */
export function forgetStalePartitions(router: PartitionRouter, topic: string, error: unknown): void {
  if (error instanceof BrokerError && WRONG_PARTITION.test(error.reason)) router.forget?.(topic);
}
