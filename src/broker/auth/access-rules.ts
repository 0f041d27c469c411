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
      return command.item === 'reset' ? { right: 'admin' } : { right: 'authenticated' };
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
 * answers go with it) and `right topic`; bounded, since clients choose the topic names.
 */
const decided = new WeakMap<User, Map<string, boolean>>();
const MAX_DECISIONS_PER_USER = 10_000;

/** Does `user` hold `access`? An admin holds every right. */
export function holds(user: User, access: Access): boolean {
  if (access.right === 'none' || access.right === 'authenticated' || user.admin) return true;
  if (access.right === 'admin') return false;
  let answers = decided.get(user);
  if (answers === undefined) decided.set(user, (answers = new Map<string, boolean>()));
  const key = `${access.right} ${access.topic}`;
  let answer = answers.get(key);
  if (answer === undefined) {
    answer = user[access.right].some((pattern) => topicMatches(pattern, access.topic));
    if (answers.size >= MAX_DECISIONS_PER_USER) answers.clear();
    answers.set(key, answer);
  }
  return answer;
}
