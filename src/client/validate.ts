import { InvalidArgumentError } from './errors.js';
import type { Partition } from './message.js';

/** Tokens already checked: a producer names the same few topics millions of times. */
const knownTokens = new Set<string>();
const MAX_KNOWN_TOKENS = 1024;

/** Topics and groups travel as single header tokens: no spaces, CR, LF; not empty. */
export function checkToken(value: unknown, argument: string): string {
  if (typeof value === 'string' && knownTokens.has(value)) return value;
  if (typeof value !== 'string' || value.length === 0) throw new InvalidArgumentError(argument, `must be a non-empty string, got ${JSON.stringify(value)}`);
  if (/[\s]/.test(value)) throw new InvalidArgumentError(argument, `must not contain spaces or line breaks, got ${JSON.stringify(value)}`);
  if (knownTokens.size >= MAX_KNOWN_TOKENS) knownTokens.clear();
  knownTokens.add(value);
  return value;
}

export function checkPositiveInt(value: unknown, argument: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) throw new InvalidArgumentError(argument, `must be a positive integer, got ${String(value)}`);
  return value;
}

export function checkNonNegativeInt(value: unknown, argument: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new InvalidArgumentError(argument, `must be a non-negative integer, got ${String(value)}`);
  return value;
}

/** A partition given by index (on broker 0, as in direct mode) or as a `{ brokerId, index }`. */
export function partitionArgument(partition: number | Partition, argument: string): Partition {
  return typeof partition === 'number' ? { brokerId: 0, index: checkNonNegativeInt(partition, argument) } : partition;
}
