import { crc32 } from 'node:zlib';
import type { OutgoingMessage, Partition } from '../message.js';

/** Picks the partition for a message among a topic's partitions (sorted by broker, index). */
export type PartitionSelector = (topic: string, partitions: readonly Partition[], message: OutgoingMessage) => Partition;

/** Java's RoundRobinPartitionSelector: a counter pre-incremented per message (docs/cluster.md). */
export function roundRobinSelector(): PartitionSelector {
  let counter = 0;
  return (_topic, partitions) => {
    counter = (counter + 1) & 0x7fffffff;
    return partitions[counter % partitions.length]!;
  };
}

export function randomSelector(): PartitionSelector {
  return (_topic, partitions) => partitions[Math.floor(Math.random() * partitions.length)]!;
}

/** Same key, same partition (while the partition list is unchanged): for ordered messages. */
export function keySelector(): PartitionSelector {
  const fallback = roundRobinSelector();
  return (topic, partitions, message) => {
    if (message.key === undefined) return fallback(topic, partitions, message);
    return partitions[crc32(message.key) % partitions.length]!;
  };
}
