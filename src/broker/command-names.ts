import { groupNameProblem, isTopicName, topicNameProblem } from '../common/names.js';
import type { Command } from '../protocol/commands.js';
import { Status } from '../protocol/status.js';
import { refused } from './handlers/outcome.js';
import type { RefusedOutcome } from './handlers/outcome.js';

/** The last topic found valid (a hot path's whole check is one comparison). */
let lastValidTopic: string | undefined;

/**
 * Undefined when the topic and group a command names follow the name rules (common/names.ts),
 * else the refusal. Every command reaches its handler only after this check, on every port
 * (TCP, HTTP front end), so a name is valid before it touches a path, an ACL or a map.
 */
export function commandNameProblem(command: Command): string | undefined {
  // `stats <item>`: the item is a topic or a keyword (topics, offsets, ...), and every keyword is a valid name.
  if (command.kind === 'stats') return command.item?.trim() ? topicNameProblem(command.item.trim()) : undefined;
  if (!('topic' in command)) return undefined;
  // Producers repeat their topic: the decoder hands out the same string, compared without a regex.
  if (command.topic !== lastValidTopic) {
    if (!isTopicName(command.topic)) return topicNameProblem(command.topic);
    lastValidTopic = command.topic;
  }
  return 'group' in command ? groupNameProblem(command.group) : undefined;
}

/** The 400 for a command whose names break the rules, saying what is allowed; undefined when they follow them. */
export function nameRefusal(command: Command): RefusedOutcome | undefined {
  const problem = commandNameProblem(command);
  return problem === undefined ? undefined : refused(Status.badRequest, problem, 'name');
}
