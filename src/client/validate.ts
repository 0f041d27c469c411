import { groupNameProblem, topicNameProblem } from '../common/names.js';
import { InvalidArgumentError } from './errors.js';
import type { Partition } from './message.js';

/** Topics already checked: a producer names the same few topics millions of times. */
const knownTopics = new Set<string>();
const MAX_KNOWN_TOPICS = 1024;

/** A topic by the broker's name rule (common/names.ts), checked before anything is sent. */
export function checkTopic(value: unknown, argument: string): string {
  if (typeof value === 'string' && knownTopics.has(value)) return value;
  const problem = topicNameProblem(value);
  if (problem !== undefined) throw new InvalidArgumentError(argument, problem);
  if (knownTopics.size >= MAX_KNOWN_TOPICS) knownTopics.clear();
  knownTopics.add(value as string);
  return value as string;
}

/** A consumer group by the broker's name rule. */
export function checkGroup(value: unknown, argument: string): string {
  const problem = groupNameProblem(value);
  if (problem !== undefined) throw new InvalidArgumentError(argument, problem);
  return value as string;
}

export function checkPositiveInt(value: unknown, argument: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0)
    throw new InvalidArgumentError(argument, `must be a positive integer, got ${String(value)}`);
  return value;
}

export function checkNonNegativeInt(value: unknown, argument: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw new InvalidArgumentError(argument, `must be a non-negative integer, got ${String(value)}`);
  return value;
}

/** A partition given by index (on broker 0, as in direct mode) or as a `{ brokerId, index }`. */
export function partitionArgument(partition: number | Partition, argument: string): Partition {
  return typeof partition === 'number' ? { brokerId: 0, index: checkNonNegativeInt(partition, argument) } : partition;
}
