import type { Command } from '../../protocol/commands.js';
import { topicMatches } from '../config/broker-config.js';
import type { User } from './user-book.js';

/** What a command needs: a right on a topic, operator rights, or only an authenticated user. */
export type Access = { right: 'publish' | 'subscribe'; topic: string } | { right: 'admin' } | { right: 'authenticated' } | { right: 'none' };

/** The access a command needs on a broker with `[auth] enabled=true`. */
export function accessFor(command: Command): Access {
  switch (command.kind) {
    case 'auth':
    case 'version': // heartbeats and extension discovery, before authenticating
    case 'quit':
    case 'result':
    case 'value':
      return { right: 'none' };
    case 'put':
    case 'mput':
    case 'dput':
      return { right: 'publish', topic: command.topic };
    case 'get':
    case 'wget':
    case 'offset':
    case 'otime':
    case 'okey':
      return { right: 'subscribe', topic: command.topic };
    case 'stats':
      // Resetting counters and the list of every user's open transactions are the operator's.
      return command.item?.trim() === 'reset' || command.item?.trim() === 'transactions' ? { right: 'admin' } : { right: 'authenticated' };
    case 'transaction':
      // A transaction's puts are checked as puts; deciding another client's transaction is the operator's.
      return command.type === 'HEURISTIC_COMMIT' || command.type === 'HEURISTIC_ROLLBACK' ? { right: 'admin' } : { right: 'authenticated' };
    case 'sync':
    case 'syncend':
    case 'admin':
      return { right: 'admin' };
  }
}

/**
 * Answers already worked out, per user object (a changed user is a new object, so its old
 * answers go with it), right and topic; bounded, since clients choose the topic names. Keyed by
 * topic alone so a put on the hot path builds no string.
 */
const decided = new WeakMap<User, { publish: Map<string, boolean>; subscribe: Map<string, boolean> }>();
const MAX_DECISIONS_PER_RIGHT = 10_000;

/** Does `user` hold `access`? An admin holds every right. */
export function holds(user: User, access: Access): boolean {
  if (access.right === 'none' || access.right === 'authenticated' || user.admin) return true;
  if (access.right === 'admin') return false;
  let answers = decided.get(user);
  if (answers === undefined) decided.set(user, (answers = { publish: new Map<string, boolean>(), subscribe: new Map<string, boolean>() }));
  const byTopic = answers[access.right];
  let answer = byTopic.get(access.topic);
  if (answer === undefined) {
    answer = user[access.right].some((pattern) => topicMatches(pattern, access.topic));
    if (byTopic.size >= MAX_DECISIONS_PER_RIGHT) byTopic.clear();
    byTopic.set(access.topic, answer);
  }
  return answer;
}

/** What a user lacks, for a refusal's text. */
export function deniedText(access: Access): string {
  if (access.right === 'publish') return `may not publish to topic ${access.topic}`;
  if (access.right === 'subscribe') return `may not subscribe to topic ${access.topic}`;
  return 'has no admin rights, which this command needs';
}
