import { holds } from '../auth/access-rules.js';
import type { UserBook } from '../auth/user-book.js';
import type { BrokerCounters } from '../stats/broker-counters.js';
import type { Transaction } from './transaction.js';
import { TransactionDenied } from './xa-error.js';

/**
 * Who sends a transaction command on a broker with `[auth] enabled=true`, judged against the
 * users' rights as they are now, so a change applies at once. A transaction belongs to the user
 * who began it: only that user or an admin may prepare, commit, roll back, forget or list it.
 * Refusals count in `metaq_access_denials_total` like the connection's own.
 */
export class TransactionCaller {
  constructor(
    /** The connection's user: logged in, or `[auth] legacyUser` on legacyPort. */
    readonly name: string | undefined,
    private readonly users: UserBook,
    private readonly counters: BrokerCounters,
  ) {}

  get isAdmin(): boolean {
    return this.name !== undefined && this.users.get(this.name)?.admin === true;
  }

  /** May the caller see or finish a transaction of `owner` (undefined: one with no recorded owner)? */
  mayDecide(owner: string | undefined): boolean {
    return (owner !== undefined && owner === this.name) || this.isAdmin;
  }

  /** Throw TransactionDenied (401) unless the caller may `action` transaction `key` of `owner`. */
  checkMayDecide(action: string, key: string, owner: string | undefined): void {
    if (this.mayDecide(owner)) return;
    this.counters.accessDenials.admin += 1;
    throw new TransactionDenied(
      `access denied: transaction '${key}' ${ownedBy(owner)}; only ${owner === undefined ? 'an admin' : `user ${owner} or an admin`} may ${action} this transaction, and user ${this.name ?? '(not logged in)'} is neither`,
    );
  }

  /**
   * Why the owner may not store `tx`'s messages now (a publish right revoked since the puts, or
   * the user removed), or undefined when it may. Puts were checked one by one as they came; this
   * is the check at prepare and one-phase commit, when the messages are about to become durable.
   */
  publishRefusal(tx: Transaction): string | undefined {
    if (tx.user === undefined) return undefined; // only restored prepared ones, which are past this check
    const user = this.users.get(tx.user);
    if (user === undefined) return `user ${tx.user}, who began it, no longer exists on this broker`;
    const topics = new Set(tx.messages.map((message) => message.topic));
    for (const topic of topics) {
      if (holds(user, { right: 'publish', topic })) continue;
      this.counters.accessDenials.publish += 1;
      return `access denied: user ${tx.user}, who began it, may no longer publish to topic ${topic}; an admin can grant it (metaq user add, or PUT /api/users/${tx.user})`;
    }
    return undefined;
  }
}

function ownedBy(owner: string | undefined): string {
  return owner === undefined ? 'has no recorded owner (prepared with [auth] off, or by a broker that did not record owners)' : `belongs to user ${owner}`;
}
