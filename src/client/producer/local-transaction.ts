import { MetaqError } from '../../common/errors.js';
import { transactionRequest } from '../transactions/transaction-request.js';
import type { BrokerTransport } from '../transport/broker-transport.js';

/**
 * A transaction the producer's sends go into: a local one (`LocalTransaction`) or an XA branch
 * (XaProducer, which binds its broker and sends BEGIN itself). Every message of it goes to one
 * broker, chosen by the first send.
 */
export interface TransactionBinding {
  readonly key: string;
  readonly xa: boolean;
  /** The broker every send goes to; undefined until the first send chooses it. */
  readonly broker: { url: string; connection: BrokerTransport } | undefined;
  /** Bind to `connection`'s broker and send BEGIN there; called once, by the first send. */
  begin(connection: BrokerTransport): Promise<void>;
  /** Settles when BEGIN was answered: sends wait for it. */
  readonly begun: Promise<void> | undefined;
}

/**
 * Where a local transaction is:
 * - `new`: begun by `beginTransaction()`, nothing sent yet, no broker chosen;
 * - `begun`: the first send chose the broker and sent BEGIN there;
 * - `ending`: COMMIT or ROLLBACK sent, no answer yet;
 * - `ended`: finished (answered, failed, or closed with nothing sent).
 */
export type LocalTransactionState = 'new' | 'begun' | 'ending' | 'ended';

/** The moves a local transaction may make; any other is a bug and throws. */
const MOVES: Readonly<Record<LocalTransactionState, readonly LocalTransactionState[]>> = {
  new: ['begun', 'ended'], // the first send, or commit/rollback with nothing sent (nothing to tell the broker)
  begun: ['ending'],
  ending: ['ended'],
  ended: [],
};

export type LocalTransactionEnd = 'COMMIT_ONE_PHASE' | 'ROLLBACK';

/**
 * A producer's local transaction (docs/transactions.md): named `TX:<sessionId>:<n>`, bound to
 * the broker of its first send, which is sent BEGIN once; COMMIT_ONE_PHASE or ROLLBACK end it.
 */
export class LocalTransaction implements TransactionBinding {
  readonly xa = false;
  private current: LocalTransactionState = 'new';
  private bound: { url: string; connection: BrokerTransport } | undefined = undefined;
  private beginning: Promise<void> | undefined = undefined;

  constructor(
    readonly key: string,
    private readonly sessionId: string,
    /** Sent with BEGIN; 0 lets the broker apply its maxTxTimeoutInSeconds. */
    private readonly timeoutSeconds: number,
    private readonly requestTimeoutMs: number,
  ) {}

  get state(): LocalTransactionState {
    return this.current;
  }

  get broker(): { url: string; connection: BrokerTransport } | undefined {
    return this.bound;
  }

  get begun(): Promise<void> | undefined {
    return this.beginning;
  }

  begin(connection: BrokerTransport): Promise<void> {
    this.move('begun');
    this.bound = { url: connection.address.url, connection };
    this.beginning = transactionRequest(connection, {
      txKey: this.key,
      sessionId: this.sessionId,
      type: 'BEGIN',
      timeoutSeconds: this.timeoutSeconds,
      requestTimeoutMs: this.requestTimeoutMs,
    }).then(() => undefined);
    return this.beginning;
  }

  /**
   * Commit or roll back. With nothing sent there is nothing to tell the broker. Sends already
   * waiting for BEGIN's answer are written before the end, since they waited first.
   */
  async end(type: LocalTransactionEnd): Promise<void> {
    const bound = this.bound;
    if (bound === undefined) {
      this.move('ended');
      return;
    }
    this.move('ending');
    try {
      await this.beginning;
      await transactionRequest(bound.connection, { txKey: this.key, sessionId: this.sessionId, type, requestTimeoutMs: this.requestTimeoutMs });
    } finally {
      this.move('ended');
    }
  }

  private move(to: LocalTransactionState): void {
    if (!MOVES[this.current].includes(to)) throw new MetaqError('TRANSACTION_STATE', `local transaction ${this.key} cannot go from ${this.current} to ${to}`);
    this.current = to;
  }
}
