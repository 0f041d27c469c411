import { InvalidArgumentError } from '../errors.js';
import type { Partition } from '../message.js';
import type { PartitionRouter } from '../partition-router.js';

/**
 * A topic's partitions, looked up if not yet known; refused when no broker has any. Known ones
 * come back in the same turn (no await), which sendBatch's ordering with sends relies on.
 * `argument` names the caller's argument in the error.
 */
export function partitionsOf(router: PartitionRouter, topic: string, argument: string): readonly Partition[] | Promise<readonly Partition[]> {
  const known = router.knownPartitions(topic);
  if (known === undefined) return router.partitions(topic).then((found) => someOf(found, topic, argument));
  return someOf(known, topic, argument);
}

/** `partitions` if there are any; else the error naming what to configure. */
function someOf(partitions: readonly Partition[], topic: string, argument: string): readonly Partition[] {
  if (partitions.length === 0)
    throw new InvalidArgumentError(
      argument,
      `${topic} has no partitions on any broker: configure [topic=${topic}] on at least one broker (a topic accepted only through [topic=*] is registered after its first message, which must go to a broker directly)`,
    );
  return partitions;
}
