import { InvalidArgumentError, Option } from 'commander';
import { groupNameProblem, profileNameProblem, topicNameProblem } from '../../common/names.js';
import { validateTransactionKey } from '../../protocol/transaction-key.js';

// Value parsers for options and arguments. Commander prints a parser's message after
// "option '--port <N>' argument 'eighty' is invalid.", so each message is a full sentence.

/** A whole number; negative ones too (`move-partitions --offset -2` renumbers downwards). */
export function integer(text: string): number {
  if (!/^-?[0-9]+$/.test(text)) throw new InvalidArgumentError('It must be an integer.');
  return Number(text);
}

/** A TCP port to connect to: commander's exit 64, not a client error (exit 1) after parsing. */
export function port(text: string): number {
  const value = /^[0-9]{1,5}$/.test(text) ? Number(text) : 0;
  if (value < 1 || value > 65535) throw new InvalidArgumentError('It must be a port number from 1 to 65535.');
  return value;
}

/** A TCP port to listen on; 0 picks a free one. */
export function listenPort(text: string): number {
  const value = /^[0-9]{1,5}$/.test(text) ? Number(text) : -1;
  if (value < 0 || value > 65535) throw new InvalidArgumentError('It must be a port number from 0 (any free one) to 65535.');
  return value;
}

/** A number of zero or more, fractions allowed (thresholds such as a load per CPU). */
export function nonNegativeNumber(text: string): number {
  if (!/^[0-9]+(\.[0-9]+)?$/.test(text)) throw new InvalidArgumentError('It must be a non-negative number.');
  return Number(text);
}

/** A topic name, by the one rule every topic name passes (it becomes a path and a ZooKeeper node). */
export function topicName(text: string): string {
  const problem = topicNameProblem(text);
  if (problem !== undefined) throw new InvalidArgumentError(`It is an ${problem}.`);
  return text;
}

/** A consumer group name, by the same rule's group form. */
export function groupName(text: string): string {
  const problem = groupNameProblem(text);
  if (problem !== undefined) throw new InvalidArgumentError(`It is an ${problem}.`);
  return text;
}

/** A saved profile's name (`--profile`, METAQ_PROFILE, `metaq profile ...`). */
export function profileName(text: string): string {
  const problem = profileNameProblem(text);
  if (problem !== undefined) throw new InvalidArgumentError(`It is an ${problem}.`);
  return text;
}

/** A message id as send results and `metaq consume` print it. */
export function messageId(text: string): bigint {
  if (!/^\d{1,20}$/.test(text)) throw new InvalidArgumentError('It is not a message id (a number, as send results and metaq consume print it).');
  return BigInt(text);
}

/** Message ids as `metaq dlq list` prints them (signed 64-bit), given one or comma-separated per use. */
export function collectSignedMessageIds(text: string, previous: readonly bigint[] | undefined): bigint[] {
  const ids = text.split(',').map((id) => {
    if (!/^-?\d{1,20}$/.test(id)) throw new InvalidArgumentError(`${id} is not a message id (a number, as metaq dlq list prints it).`);
    return BigInt(id);
  });
  return [...(previous ?? []), ...ids];
}

/**
 * An XA transaction's key, checked here: the broker answers a malformed one by dropping the
 * connection, which would read as a network fault.
 */
export function xaTransactionKey(text: string): string {
  const shape = 'a key looks like XID:<format>:<gtrid>:<bqual>:<qualifier> (format a number, gtrid and bqual lower-case hex), as metaq tx list prints it';
  if (!text.startsWith('XID:') || /\s/.test(text)) throw new InvalidArgumentError(`It is not an XA transaction key: ${shape}.`);
  try {
    validateTransactionKey(text);
  } catch (error) {
    throw new InvalidArgumentError(`${(error as Error).message}; ${shape}.`);
  }
  return text;
}

/** `--from`: a date and time, local unless it ends in Z or an offset. */
export function dateTime(text: string): Date {
  const time = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(text)
    ? new Date(text.length === 10 ? `${text}T00:00` : text.replace(' ', 'T'))
    : undefined;
  if (time === undefined || Number.isNaN(time.getTime()))
    throw new InvalidArgumentError('It must be a date and time such as 2026-11-24T10:00 (local time) or 2026-11-24T10:00Z.');
  return time;
}

/** A JavaScript regular expression (`tail --pattern`). */
export function regularExpression(text: string): RegExp {
  try {
    return new RegExp(text);
  } catch (error) {
    throw new InvalidArgumentError(`It is not a valid regular expression: ${(error as Error).message}.`);
  }
}

/**
 * An option given any number of times, each use adding one value; the first use replaces the
 * default. Without a default the value is undefined until the option is given.
 */
export function repeatable(flags: string, description: string, defaults?: readonly string[]): Option {
  const option = new Option(flags, description).argParser((value: string, previous: readonly string[] | undefined) =>
    previous === undefined || previous === defaults ? [value] : [...previous, value],
  );
  return defaults === undefined ? option : option.default(defaults);
}

/** Values of a repeatable option that may also hold comma-separated lists (`--admin A,B`). */
export function listValues(values: readonly string[]): string[] {
  return values.flatMap((list) => list.split(',')).filter((value) => value !== '');
}
