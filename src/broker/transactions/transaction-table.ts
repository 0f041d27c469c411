import type { Transaction, TransactionOwner } from './transaction.js';
import type { TransactionBytes } from './transaction-bytes.js';
import { TransactionRefusal, XaCode, XaException } from './xa-error.js';

/**
 * The broker's open transactions: XA ones in one broker-wide table (any connection may finish
 * them), local ones per connection (only the connection that began one can name it).
 */
export class TransactionTable {
  private readonly xa = new Map<string, Transaction>();
  private readonly local = new Map<TransactionOwner, Map<string, Transaction>>();

  constructor(private readonly bytes: TransactionBytes) {}

  /** The open transaction `key` as `owner`'s connection sees it, if any. */
  lookup(owner: TransactionOwner, key: string): Transaction | undefined {
    return key.startsWith('XID:') ? this.xa.get(key) : this.local.get(owner)?.get(key);
  }

  /** As lookup, but a key that is not open is refused (XA_NOTA for an XA key). */
  find(owner: TransactionOwner, key: string): Transaction {
    const tx = this.lookup(owner, key);
    if (tx !== undefined) return tx;
    if (key.startsWith('XID:')) throw new XaException(XaCode.unknownXid, `XA transaction '${key}' has not been started.`);
    throw new TransactionRefusal(`Local transaction '${key}' has not been started.`);
  }

  /** The open XA transaction `key`, whichever connection began it. */
  xaTransaction(key: string): Transaction | undefined {
    return this.xa.get(key);
  }

  /** Every open XA transaction, in the order they began. */
  xaTransactions(): IterableIterator<Transaction> {
    return this.xa.values();
  }

  /** The local transactions open on `owner`'s connection (the live map: rolling one back removes it). */
  localOf(owner: TransactionOwner): ReadonlyMap<string, Transaction> | undefined {
    return this.local.get(owner);
  }

  /** Every open transaction, XA and local. */
  all(): Transaction[] {
    return [...this.xa.values(), ...[...this.local.values()].flatMap((mine) => [...mine.values()])];
  }

  add(tx: Transaction): void {
    if (tx.isXa) {
      this.xa.set(tx.key, tx);
      return;
    }
    let mine = this.local.get(tx.owner!);
    if (mine === undefined) this.local.set(tx.owner!, (mine = new Map<string, Transaction>()));
    mine.set(tx.key, tx);
  }

  remove(tx: Transaction): void {
    // Decided or dropped: its stores exist now (or never will), and its messages leave memory.
    tx.reservation?.release();
    tx.reservation = undefined;
    this.bytes.release(tx);
    if (tx.isXa) {
      if (this.xa.get(tx.key) === tx) this.xa.delete(tx.key);
      return;
    }
    const mine = this.local.get(tx.owner!);
    mine?.delete(tx.key);
    if (mine?.size === 0) this.local.delete(tx.owner!);
  }
}
