import { MetaqError } from '../../common/errors.js';
import { InvalidArgumentError } from '../errors.js';
import type { OutgoingMessage, Partition, SendResult } from '../message.js';
import { checkPositiveInt } from '../validate.js';
import { LocalTransaction } from './local-transaction.js';
import type { LocalTransactionEnd, TransactionBinding } from './local-transaction.js';
import type { PartitionSelector } from './partition-selector.js';
import type { ProducerHost } from './producer-host.js';
import type { SendOptions } from './producer-options.js';
import type { EncodedPut } from './put-set-batcher.js';
import { putSingle } from './single-put.js';

/**
 * The transaction a producer's sends go into, if any (docs/transactions.md): its own local one,
 * begun and ended here, or an XA branch XaProducer binds. One at a time per producer (MetaQ
 * binds it to a thread). Every message of it goes to one broker, chosen by the first send.
 */
export class ProducerTransactions {
  private open: TransactionBinding | undefined = undefined;
  private localCount = 0;

  constructor(
    private readonly host: ProducerHost,
    private readonly selector: PartitionSelector,
    /** Names the producer in transaction keys (`TX:<sessionId>:<n>`). */
    private readonly sessionId: string,
    private readonly requestTimeoutMs: number,
  ) {}

  /** The open transaction, if any: while there is one, every send goes into it. */
  get active(): TransactionBinding | undefined {
    return this.open;
  }

  /** Open a local transaction; BEGIN waits for its first send. 0 seconds lets the broker apply its maxTxTimeoutInSeconds. */
  beginLocal(options: { timeoutSeconds?: number }): void {
    this.checkNone();
    const timeoutSeconds = options.timeoutSeconds === undefined ? 0 : checkPositiveInt(options.timeoutSeconds, 'timeoutSeconds');
    this.open = new LocalTransaction(`TX:${this.sessionId}:${++this.localCount}`, this.sessionId, timeoutSeconds, this.requestTimeoutMs);
  }

  /** Commit or roll back the local transaction; sends from the call on are outside it. */
  async endLocal(type: LocalTransactionEnd): Promise<void> {
    const tx = this.open;
    if (tx === undefined)
      throw new MetaqError('NO_TRANSACTION', `${type === 'ROLLBACK' ? 'rollback' : 'commit'}() needs a transaction: call beginTransaction() first`);
    if (tx.xa || !(tx instanceof LocalTransaction))
      throw new MetaqError('XA_TRANSACTION', `this producer is in XA branch ${tx.key}; its transaction manager commits or rolls it back`);
    this.open = undefined;
    await tx.end(type);
  }

  bind(binding: TransactionBinding): void {
    this.checkNone();
    this.open = binding;
  }

  unbind(binding: TransactionBinding): void {
    if (this.open === binding) this.open = undefined;
  }

  /** A send inside transaction `tx`: to the transaction's broker, which is sent BEGIN first. */
  async put(tx: TransactionBinding, partitions: readonly Partition[], message: OutgoingMessage, options: SendOptions, put: EncodedPut): Promise<SendResult> {
    const { router } = this.host;
    const bound = tx.broker;
    const candidates = bound === undefined ? partitions : partitions.filter((p) => router.broker(p).url === bound.url);
    if (candidates.length === 0)
      throw new InvalidArgumentError(
        'message.topic',
        `${put.topic} has no partition on ${bound!.url}, the broker transaction ${tx.key} is bound to: all messages of one transaction go to one broker`,
      );
    const chosen = options.partition ?? this.selector(put.topic, candidates, message);
    // MetaQ refuses "broker picks" (-1) inside a transaction: the partition must be named.
    if (chosen.index < 0)
      throw new InvalidArgumentError(
        'message.topic',
        `${put.topic} has no known partitions (the broker did not say how many, or is an http:// address), and a transactional send must name one: in direct mode pass ClientOptions.partitions (e.g. { '${put.topic}': 1 })`,
      );
    const address = router.broker(chosen);
    if (bound !== undefined && address.url !== bound.url)
      throw new InvalidArgumentError('options.partition', `is on ${address.url}, but transaction ${tx.key} is bound to ${bound.url}`);
    const connection = this.host.connection(address);
    // The first send binds the transaction to this broker and sends BEGIN; every send waits for its answer.
    await (bound === undefined ? tx.begin(connection) : tx.begun);
    return putSingle(connection, chosen, put, options.signal, tx.key);
  }

  private checkNone(): void {
    if (this.open !== undefined)
      throw new MetaqError(
        'TRANSACTION_ACTIVE',
        `transaction ${this.open.key} is still open on this producer: commit or roll it back first, or use another producer`,
      );
  }
}
