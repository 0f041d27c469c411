import type { Transaction } from './transaction.js';
import { heldBytes } from './transaction.js';
import { TransactionRefusal } from './xa-error.js';

/**
 * Memory transactions hold until they are decided, against `[system] maxTransactionBytes` (one
 * transaction) and `maxTransactionBytesTotal` (all open ones, prepared included). Their messages
 * wait in memory, and prepared ones are reloaded at start, so without these a client could fill
 * the broker's heap with puts it never commits.
 */
export class TransactionBytes {
  /** Memory all open transactions hold. */
  open = 0;
  /** Puts refused by maxTransactionBytes (`transaction`) or maxTransactionBytesTotal (`total`). */
  readonly refusals = { transaction: 0, total: 0 };

  constructor(
    private readonly maxBytes: number,
    private readonly maxBytesTotal: number,
  ) {}

  /** Throw TransactionRefusal (the put is not added) unless a message of `payloadBytes` fits both budgets. */
  check(tx: Transaction, payloadBytes: number): void {
    const bytes = heldBytes(payloadBytes);
    if (this.maxBytes > 0 && tx.bytes + bytes > this.maxBytes) {
      this.refusals.transaction += 1;
      throw new TransactionRefusal(
        `transaction too large: '${tx.key}' holds ${tx.bytes} bytes and this message (${payloadBytes} bytes, ${bytes} counted) would take it past [system] maxTransactionBytes=${this.maxBytes}; the message is not added: commit or roll back the transaction and put the rest in another, or raise maxTransactionBytes`,
      );
    }
    if (this.maxBytesTotal > 0 && this.open + bytes > this.maxBytesTotal) {
      this.refusals.total += 1;
      throw new TransactionRefusal(
        `too much held in transactions: open transactions on this broker hold ${this.open} bytes and this message (${payloadBytes} bytes, ${bytes} counted) would take them past [system] maxTransactionBytesTotal=${this.maxBytesTotal}; the message is not added: retry once other transactions are committed or rolled back, or raise maxTransactionBytesTotal`,
      );
    }
  }

  /** Count what `tx` holds (a prepared transaction reloaded at start: never refused). */
  hold(tx: Transaction): void {
    this.open += tx.bytes;
  }

  /** `tx` was decided or dropped: its messages leave memory. */
  release(tx: Transaction): void {
    this.open -= tx.bytes;
    tx.bytes = 0;
  }
}
