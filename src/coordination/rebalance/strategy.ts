import { consistentHashAssignment } from './consistent-hash-strategy.js';
import { defaultAssignment } from './default-strategy.js';

/** Which partitions of `partitions` `consumerId` owns when `consumers` share a topic. */
export type AssignmentStrategy = (consumerId: string, consumers: readonly string[], partitions: readonly string[]) => string[];

/** MetaQ's `loadBalanceStrategyType` (docs/cluster.md): DEFAULT (contiguous slices) or CONSIST (ketama ring). */
export type LoadBalanceStrategyType = 'DEFAULT' | 'CONSIST';

export function assignmentStrategy(type: LoadBalanceStrategyType): AssignmentStrategy {
  return type === 'CONSIST' ? consistentHashAssignment : defaultAssignment;
}
