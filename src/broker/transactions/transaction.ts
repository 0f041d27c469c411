import type { JournalPosition } from '../../storage/transaction-journal.js';
import type { StoreName, StoreReservation } from '../store-budget.js';

/**
 * Memory a held message costs beyond its payload (the object, its id, the journal bookkeeping):
 * counted so that millions of empty messages cannot slip under the byte budgets.
 */
export const HELD_MESSAGE_OVERHEAD = 128;

/** MetaQ's states (docs/transactions.md); heuristic outcomes are kept apart, in the heuristic log. */
export type TransactionState = 'START' | 'IN_USE' | 'PREPARED';

/** One message put in a transaction: stored only when the transaction commits. */
export interface TransactionMessage {
  topic: string;
  partition: number;
  id: bigint;
  flag: number;
  checksum: number;
  payload: Buffer;
}

/**
 * The connection a transaction command came on. A local transaction belongs to it (and is rolled
 * back when it closes); every transaction belongs to the user its login names.
 */
export interface TransactionOwner {
  /** Set on a broker with `[auth] enabled=true`: the logged-in user, or `[auth] legacyUser` on legacyPort. */
  readonly login?: { readonly user: string | undefined } | undefined;
}

/**
 * An open transaction on this broker: local (`TX:…`, owned by one connection) or XA (`XID:…`,
 * broker-wide). Its messages wait in memory and in the journal until commit.
 */
export class Transaction {
  state: TransactionState = 'START';
  readonly messages: TransactionMessage[] = [];
  /** Memory its messages hold (payloads plus HELD_MESSAGE_OVERHEAD each), against the byte budgets. */
  bytes = 0;
  /** The stores its commit will create, held against maxTopics/maxPartitions from its decision on. */
  reservation: StoreReservation | undefined;
  /** The journal record the transaction's replay starts from: it holds the checkpoint back. */
  firstPosition: JournalPosition | undefined;
  /** Set once commit or rollback has begun: no more puts, no second outcome. */
  finishing = false;
  /** A put whose journal record failed: the transaction can only roll back. */
  broken: Error | undefined;
  /** Settles once every journal record of the transaction's puts so far is written (or failed). */
  lastWrite: Promise<void> = Promise.resolve();
  readonly begunAtMs = Date.now();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly key: string,
    readonly sessionId: string,
    /** The connection of a local transaction; undefined for XA (any connection may finish it). */
    readonly owner: TransactionOwner | undefined,
    /**
     * The user it belongs to: who began it (set again from the journal after a restart).
     * Undefined with `[auth]` off, or restored from a journal that named no owner (admin only).
     */
    public user: string | undefined,
  ) {}

  get isXa(): boolean {
    return this.key.startsWith('XID:');
  }

  /** The qualifier RECOVER filters by: the fifth part of an XID key. */
  get uniqueQualifier(): string | undefined {
    return qualifierOf(this.key);
  }

  /** Hold one more message until commit. */
  add(message: TransactionMessage): void {
    this.messages.push(message);
    this.bytes += heldBytes(message.payload.length);
  }

  /** Every partition it writes to. */
  partitions(): StoreName[] {
    return [...this.byPartition().values()].map(([first]) => ({ topic: first!.topic, partition: first!.partition }));
  }

  /** Messages grouped by `topic-partition`, in put order within each. */
  byPartition(): Map<string, TransactionMessage[]> {
    const groups = new Map<string, TransactionMessage[]>();
    for (const message of this.messages) {
      const name = `${message.topic}-${message.partition}`;
      let group = groups.get(name);
      if (group === undefined) groups.set(name, (group = []));
      group.push(message);
    }
    return groups;
  }

  /** Roll back with `expire` unless finished or prepared first (prepared ones belong to the coordinator). */
  armTimeout(seconds: number, expire: (tx: Transaction) => void): void {
    this.clearTimer();
    this.timer = setTimeout(() => {
      if (!this.finishing && this.state !== 'PREPARED') expire(this);
    }, seconds * 1000);
    this.timer.unref();
  }

  clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** The fifth part of `XID:<format>:<gtrid>:<bqual>:<qualifier>`. */
export function qualifierOf(key: string): string | undefined {
  return key.startsWith('XID:') ? key.split(':')[4] : undefined;
}

/** What a message of `payloadBytes` counts against the transaction byte budgets. */
export function heldBytes(payloadBytes: number): number {
  return payloadBytes + HELD_MESSAGE_OVERHEAD;
}
