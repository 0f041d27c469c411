import { hostname } from 'node:os';
import { InvalidArgumentError, XaError } from '../errors.js';
import type { OutgoingMessage, SendResult } from '../message.js';
import type { Producer, ProducerHost, SendOptions, TransactionBinding } from '../producer/producer.js';
import type { BrokerTransport } from '../transport/broker-transport.js';
import { checkPositiveInt, checkTopic } from '../validate.js';
import { postEnd, transactionRequest } from './transaction-request.js';
import type { PrepareVote, XaResource } from './xa-resource.js';
import type { Xid } from './xid.js';
import { parseXidKey, xidKey } from './xid.js';

export interface XaProducerOptions {
  /** Every topic this producer publishes to: a branch goes to a broker that hosts them all (docs/transactions.md). */
  topics: string[];
  /** Scopes RECOVER to this application; default `XAMessageProducer-<hostname>`, as MetaQ. */
  uniqueQualifier?: string;
  /** Sent with BEGIN; the broker rolls back a branch not prepared in time (capped by maxTxTimeoutInSeconds). */
  transactionTimeoutSeconds?: number;
  /** Per-command timeout; default 5 s. */
  requestTimeoutMs?: number;
}

const XAER_NOTA = -4;
const QUALIFIER = /^[^\s:]+$/;

/**
 * A producer that takes part in XA transactions (docs/transactions.md): it is the metaq resource a
 * transaction manager enlists. `start` binds it to a branch on one broker; sends go there until
 * `end`; `prepare`, `commit` and `rollback` are the broker's `transaction` commands.
 */
export class XaProducer implements XaResource {
  readonly uniqueQualifier: string;
  readonly name: string;
  private readonly topics: string[];
  private readonly timeoutSeconds: number;
  private readonly requestTimeoutMs: number;
  /** The broker of each branch this producer started or recovered. */
  private readonly branches = new Map<string, BrokerTransport>();
  private active: TransactionBinding | undefined;

  constructor(
    private readonly host: ProducerHost,
    private readonly producer: Producer,
    options: XaProducerOptions,
  ) {
    if (!Array.isArray(options.topics) || options.topics.length === 0)
      throw new InvalidArgumentError('options.topics', 'must list the topics this producer publishes to');
    this.topics = options.topics.map((topic, n) => checkTopic(topic, `options.topics[${n}]`));
    this.uniqueQualifier = options.uniqueQualifier ?? `XAMessageProducer-${hostname()}`;
    if (!QUALIFIER.test(this.uniqueQualifier)) throw new InvalidArgumentError('options.uniqueQualifier', 'must not contain spaces, tabs, line breaks or ":"');
    this.name = `metaq-${this.uniqueQualifier}`.slice(0, 64);
    this.timeoutSeconds =
      options.transactionTimeoutSeconds === undefined ? 0 : checkPositiveInt(options.transactionTimeoutSeconds, 'transactionTimeoutSeconds');
    this.requestTimeoutMs = options.requestTimeoutMs === undefined ? 5000 : checkPositiveInt(options.requestTimeoutMs, 'requestTimeoutMs');
  }

  /** Send inside the current branch (between start and end). */
  send(message: OutgoingMessage, options?: SendOptions): Promise<SendResult> {
    if (this.active === undefined) return Promise.reject(new XaError(-6, 'XaProducer.send() outside a branch: the transaction manager starts one'));
    return this.producer.send(message, options);
  }

  async start(xid: Xid): Promise<void> {
    if (this.active !== undefined) throw new XaError(-6, `branch ${this.active.key} is still active on this producer; end it first or use another producer`);
    const connections = await this.candidates();
    const connection = connections[Math.floor(Math.random() * connections.length)]!;
    const key = xidKey(xid, this.uniqueQualifier);
    await this.request(connection, key, 'BEGIN');
    const binding: TransactionBinding = {
      key,
      xa: true,
      broker: { url: connection.address.url, connection },
      begun: Promise.resolve(),
      begin: () => Promise.resolve(),
    };
    this.producer.bindTransaction(binding);
    this.active = binding;
    this.branches.set(key, connection);
  }

  end(xid: Xid): Promise<void> {
    const key = xidKey(xid, this.uniqueQualifier);
    const connection = this.branches.get(key);
    if (this.active?.key === key) {
      this.producer.unbindTransaction(this.active);
      this.active = undefined;
    }
    if (connection !== undefined) postEnd(connection, key, this.producer.sessionId, this.uniqueQualifier);
    return Promise.resolve();
  }

  async prepare(xid: Xid): Promise<PrepareVote> {
    const key = xidKey(xid, this.uniqueQualifier);
    const vote = await this.request(this.brokerOf(key), key, 'PREPARE');
    if (vote === '3') this.branches.delete(key);
    return vote === '3' ? 'readonly' : 'ok';
  }

  commit(xid: Xid, onePhase: boolean): Promise<void> {
    return this.finish(xid, onePhase ? 'COMMIT_ONE_PHASE' : 'COMMIT_TWO_PHASE');
  }

  rollback(xid: Xid): Promise<void> {
    return this.finish(xid, 'ROLLBACK');
  }

  forget(xid: Xid): Promise<void> {
    return this.finish(xid, 'FORGET');
  }

  /** RECOVER on every broker that could hold a branch of this producer (MetaQ does the same). */
  async recover(): Promise<Xid[]> {
    const found: Xid[] = [];
    for (const connection of await this.candidates()) {
      const text = await this.request(connection, 'null', 'RECOVER');
      for (const key of text.split('\r\n').filter((line) => line !== '')) {
        this.branches.set(key, connection);
        found.push(parseXidKey(key));
      }
    }
    return found;
  }

  private async finish(xid: Xid, type: 'COMMIT_ONE_PHASE' | 'COMMIT_TWO_PHASE' | 'ROLLBACK' | 'FORGET'): Promise<void> {
    const key = xidKey(xid, this.uniqueQualifier);
    const known = this.branches.get(key);
    // A branch of a previous run: ask every candidate broker; only one of them has it.
    const connections = known !== undefined ? [known] : await this.candidates();
    let lastError: unknown;
    for (const connection of connections) {
      try {
        await this.request(connection, key, type);
        this.branches.delete(key);
        return;
      } catch (error) {
        if (!(error instanceof XaError && error.xaCode === XAER_NOTA)) throw error;
        lastError = error;
      }
    }
    this.branches.delete(key);
    throw lastError;
  }

  private brokerOf(key: string): BrokerTransport {
    const connection = this.branches.get(key);
    if (connection === undefined) throw new XaError(XAER_NOTA, `branch ${key} was not started by this producer`);
    return connection;
  }

  /** Connections to the brokers that host every topic of this producer. */
  private async candidates(): Promise<BrokerTransport[]> {
    let urls: Map<string, BrokerTransport> | undefined;
    for (const topic of this.topics) {
      const here = new Map<string, BrokerTransport>();
      for (const partition of await this.host.router.partitions(topic)) {
        const address = this.host.router.broker(partition);
        if (urls === undefined || urls.has(address.url)) here.set(address.url, this.host.connection(address));
      }
      urls = here;
    }
    if (urls === undefined || urls.size === 0)
      throw new InvalidArgumentError('options.topics', `no broker hosts all of ${this.topics.join(', ')}; an XA branch must fit on one broker`);
    return [...urls.values()];
  }

  private request(
    connection: BrokerTransport,
    txKey: string,
    type: 'BEGIN' | 'PREPARE' | 'COMMIT_ONE_PHASE' | 'COMMIT_TWO_PHASE' | 'ROLLBACK' | 'FORGET' | 'RECOVER',
  ): Promise<string> {
    return transactionRequest(connection, {
      txKey,
      sessionId: this.producer.sessionId,
      type,
      timeoutSeconds: type === 'BEGIN' ? this.timeoutSeconds : undefined,
      uniqueQualifier: this.uniqueQualifier,
      requestTimeoutMs: this.requestTimeoutMs,
    });
  }

  async close(): Promise<void> {
    await this.producer.close();
  }
}
