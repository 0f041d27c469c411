import type { Logger } from 'pino';
import type { PutCommand } from '../../protocol/commands.js';
import type { PartitionStore } from '../../storage/partition-store.js';
import { encodeToBuffer } from '../../protocol/encoder.js';
import type { FileIO } from '../../storage/io/file-io.js';
import { TransactionJournal } from '../../storage/transaction-journal.js';
import type { BrokerConfig } from '../config/broker-config.js';
import type { PartitionStores } from '../partition-stores.js';
import type { HeuristicOutcome } from './heuristic-outcomes.js';
import { HeuristicOutcomes } from './heuristic-outcomes.js';
import { JournalCheckpoints } from './journal-checkpoints.js';
import { recoverTransactions } from './journal-recovery.js';
import type { TransactionOwner } from './transaction.js';
import { heldBytes, qualifierOf, Transaction } from './transaction.js';
import { TransactionBytes } from './transaction-bytes.js';
import { TransactionCompletion } from './transaction-completion.js';
import type { TransactionCaller } from './transaction-rights.js';
import type { TransactionSummary } from './transaction-summary.js';
import { summarizeTransactions } from './transaction-summary.js';
import { TransactionTable } from './transaction-table.js';
import { TransactionDenied, TransactionRefusal, XaCode, XaException } from './xa-error.js';

export type { TransactionSummary } from './transaction-summary.js';

export interface TransactionManagerOptions {
  config: BrokerConfig;
  stores: PartitionStores;
  io: FileIO;
  logger: Logger;
  /** The journal's directory: `<dataLogPath>/transactions`, else under the state directory (src/broker/state-directory.ts). */
  journalDir: string;
}

/**
 * The broker's transactions (docs/transactions.md): the commands on them, checked here and carried
 * out by TransactionCompletion. Puts wait in memory and in the journal until the decision; consumers
 * never see part of a transaction, or any of an open or rolled-back one. With `[auth]` on, each
 * belongs to the user who began it (`caller` below; undefined with `[auth]` off, where nothing is
 * checked).
 */
export class TransactionManager {
  private readonly table: TransactionTable;
  private readonly completion: TransactionCompletion;
  private readonly checkpoints: JournalCheckpoints;
  private readonly maxTimeoutSeconds: number;
  private closed = false;
  /** Memory open transactions hold, against maxTransactionBytes and maxTransactionBytesTotal. */
  readonly bytes: TransactionBytes;

  private constructor(
    private readonly journal: TransactionJournal,
    private readonly heuristics: HeuristicOutcomes,
    private readonly stores: PartitionStores,
    private readonly logger: Logger,
    config: BrokerConfig,
  ) {
    this.maxTimeoutSeconds = config.system.maxTxTimeoutInSeconds;
    this.bytes = new TransactionBytes(config.system.maxTransactionBytes, config.system.maxTransactionBytesTotal);
    this.table = new TransactionTable(this.bytes);
    this.completion = new TransactionCompletion(journal, this.table, stores, logger);
    const stillNeeded = () => [...this.completion.committing, ...this.table.all().flatMap((tx) => tx.firstPosition ?? [])];
    this.checkpoints = new JournalCheckpoints(journal, stores, stillNeeded, config.system.checkpointInterval, logger);
  }

  /** Open the journal and finish what the last run left: call after the stores are loaded. */
  static async open(options: TransactionManagerOptions): Promise<TransactionManager> {
    const { config, stores, io } = options;
    const logger = options.logger.child({ component: 'transactions' });
    const dir = options.journalDir;
    const flushMode = config.system.flushTxLogAtCommit as 0 | 1 | 2;
    const { journal, replay } = await TransactionJournal.open({ dir, io, logger, flushMode, maxCheckpoints: config.system.maxCheckpoints });
    const heuristics = await HeuristicOutcomes.load(io, dir);
    const recovered = await recoverTransactions(replay, journal, stores, logger);
    const manager = new TransactionManager(journal, heuristics, stores, logger, config);
    for (const tx of recovered.prepared) {
      // Always loaded and reserved, past the limits if need be: their prepare promised the commit.
      manager.table.add(tx);
      manager.bytes.hold(tx);
      tx.reservation = stores.budget.reserve(tx.partitions(), `prepared transaction '${tx.key}'`, true);
    }
    // An operator's decision taken just before a crash is carried out now.
    for (const { key, outcome } of heuristics.all()) {
      const tx = manager.table.xaTransaction(key);
      if (tx !== undefined) await (outcome === 'commit' ? manager.completion.commitNow(tx) : manager.completion.rollbackNow(tx));
    }
    if (replay.length > 0)
      logger.info(
        {
          records: replay.length,
          committed: recovered.committed,
          redoneBatches: recovered.redoneBatches,
          rolledBack: recovered.rolledBack,
          prepared: recovered.prepared.length,
        },
        'transaction journal replayed',
      );
    await manager.checkpoint();
    return manager;
  }

  /** Set on a sync master: a commit is acknowledged only once the slave holds its batches too. */
  get waitReplicated(): ((log: PartitionStore, end: number) => Promise<void>) | undefined {
    return this.completion.waitReplicated;
  }

  set waitReplicated(wait: ((log: PartitionStore, end: number) => Promise<void>) | undefined) {
    this.completion.waitReplicated = wait;
  }

  /** BEGIN: idempotent; a transaction not prepared within its timeout (capped) is rolled back. */
  begin(owner: TransactionOwner, key: string, sessionId: string, timeoutSeconds: number, caller?: TransactionCaller): void {
    if (key === 'null') throw new TransactionRefusal('BEGIN needs a transaction key (TX:… or XID:…), not null');
    this.checkMayDecide(caller, 'join', key, this.table.lookup(owner, key));
    if (this.table.lookup(owner, key) !== undefined) return;
    if (this.heuristics.get(key) !== undefined)
      throw new XaException(XaCode.duplicateXid, `XA transaction '${key}' was completed heuristically; FORGET it before beginning it again`);
    const tx = new Transaction(key, sessionId, key.startsWith('XID:') ? undefined : owner, owner.login?.user);
    this.table.add(tx);
    // Without a timeout from the client an abandoned transaction would hold memory and the
    // journal forever, so the cap is also the default.
    const seconds = timeoutSeconds > 0 ? Math.min(timeoutSeconds, this.maxTimeoutSeconds) : this.maxTimeoutSeconds;
    tx.armTimeout(seconds, (expired) => {
      this.logger.info({ tx: expired.key, seconds }, 'transaction timed out before it was prepared or committed: rolled back');
      void this.completion
        .rollbackNow(expired)
        .catch((error: unknown) => this.logger.error({ err: error, tx: expired.key }, 'could not journal the rollback of a timed-out transaction'));
    });
  }

  /**
   * A put inside a transaction: checked (a bad topic or partition throws StoreRefusal, as a
   * plain put would), journaled and held until commit. Resolves once the journal has it.
   */
  put(owner: TransactionOwner, command: PutCommand, id: bigint, crc: number): Promise<void> {
    const key = command.txKey!;
    const tx = this.table.find(owner, key);
    // Only its user adds to it: another's messages would commit under the owner's decision.
    if (tx.user !== owner.login?.user)
      throw new TransactionDenied(
        `access denied: transaction '${key}' belongs to ${tx.user === undefined ? 'no recorded user' : `user ${tx.user}`}; only the user who began it may put messages in it`,
      );
    // Once its stores are reserved (decision under way) a message would escape the reservation.
    if (tx.finishing || tx.state === 'PREPARED' || tx.reservation !== undefined)
      throw new XaException(
        XaCode.protocol,
        `transaction '${key}' is ${tx.state === 'PREPARED' && !tx.finishing ? 'prepared' : 'being completed'}; it takes no more messages`,
      );
    if (command.partition === -1) throw new TransactionRefusal('Invalid partition for transaction command:-1');
    this.stores.checkAccepts(command.topic, command.partition);
    this.bytes.check(tx, command.body.length);
    tx.state = 'IN_USE';
    this.bytes.open += heldBytes(command.body.length);
    tx.add({ topic: command.topic, partition: command.partition, id, flag: command.flag, checksum: crc, payload: command.body });
    tx.firstPosition ??= this.journal.position; // at or before the record: a safe replay start
    const written = this.journal.append({ kind: 'append', messageId: id, putFrame: encodeToBuffer(command), force: false });
    tx.lastWrite = written.then(
      () => undefined,
      (error: unknown) => {
        tx.broken = error instanceof Error ? error : new Error(String(error));
      },
    );
    return written.then(() => undefined);
  }

  /** PREPARE (XA only): `0` (XA_OK) once the vote is forced to the journal, `3` (XA_RDONLY) if nothing was put. */
  async prepare(owner: TransactionOwner, key: string, caller?: TransactionCaller): Promise<number> {
    if (!key.startsWith('XID:')) throw new XaException(XaCode.resourceError, `local transaction '${key}' cannot be prepared; commit it in one phase`);
    this.checkMayDecide(caller, 'prepare', key, this.table.lookup(owner, key));
    const tx = this.table.find(owner, key);
    if (tx.finishing || tx.state === 'PREPARED')
      throw new XaException(XaCode.protocol, `XA transaction '${key}' is already ${tx.finishing ? 'being completed' : 'prepared'}`);
    if (tx.state === 'START') {
      this.table.remove(tx);
      return 3;
    }
    await tx.lastWrite;
    if (tx.broken !== undefined) {
      await this.completion.rollbackNow(tx);
      throw new XaException(XaCode.rollbackOther, `a put of XA transaction '${key}' could not be journaled (${tx.broken.message}); it was rolled back`);
    }
    await this.completion.refuseUnpublishable(tx, caller);
    await this.completion.reserveStores(tx);
    tx.state = 'PREPARED';
    tx.clearTimer();
    try {
      await this.journal.append({ kind: 'operation', type: 'XA_PREPARE', wasPrepared: false, txKey: key, locations: [], force: true, owner: tx.user });
    } catch (error) {
      tx.state = 'IN_USE';
      tx.reservation?.release(); // not prepared: a later prepare reserves again
      tx.reservation = undefined;
      throw new XaException(XaCode.resourceError, `could not journal the prepare of '${key}': ${String(error)}`);
    }
    return 0;
  }

  /** COMMIT_ONE_PHASE (from START or IN_USE) or COMMIT_TWO_PHASE (only from PREPARED). */
  async commit(owner: TransactionOwner, key: string, onePhase: boolean, caller?: TransactionCaller): Promise<void> {
    this.checkMayDecide(caller, 'commit', key, this.table.lookup(owner, key));
    this.refuseIfHeuristic(key);
    const tx = this.table.find(owner, key);
    if (tx.finishing) throw new XaException(XaCode.protocol, `transaction '${key}' is already being completed`);
    if (!onePhase && tx.state !== 'PREPARED') throw new XaException(XaCode.protocol, 'Cannot do 2 phase commit if the transaction has not been prepared');
    if (onePhase && tx.state === 'PREPARED') throw new XaException(XaCode.protocol, `XA transaction '${key}' is prepared; commit it in two phases`);
    // A prepared one was checked (and its stores reserved) at its prepare: its vote promised the commit would succeed.
    if (onePhase) {
      await this.completion.refuseUnpublishable(tx, caller);
      await this.completion.reserveStores(tx);
    }
    await this.completion.commitNow(tx);
  }

  /** ROLLBACK: the transaction's messages are dropped, never stored. */
  async rollback(owner: TransactionOwner, key: string, caller?: TransactionCaller): Promise<void> {
    this.checkMayDecide(caller, 'roll back', key, this.table.lookup(owner, key));
    this.refuseIfHeuristic(key);
    const tx = this.table.find(owner, key);
    if (tx.finishing) throw new XaException(XaCode.protocol, `transaction '${key}' is already being completed`);
    await this.completion.rollbackNow(tx);
  }

  /**
   * RECOVER: prepared and heuristically completed XA keys, optionally of one unique qualifier;
   * with `[auth]` on, only the caller's own unless it is an admin.
   */
  recover(qualifier: string | undefined, caller?: TransactionCaller): string[] {
    const prepared = [...this.table.xaTransactions()].filter((tx) => tx.state === 'PREPARED' && !tx.finishing);
    const owned = [...prepared.map((tx) => ({ key: tx.key, owner: tx.user })), ...this.heuristics.all()];
    const keys = owned.filter(({ owner }) => caller?.mayDecide(owner) ?? true).map(({ key }) => key);
    return qualifier === undefined ? keys : keys.filter((key) => qualifierOf(key) === qualifier);
  }

  /** FORGET: drop the record of a heuristic completion. */
  async forget(key: string, caller?: TransactionCaller): Promise<void> {
    this.checkMayDecide(caller, 'forget', key, undefined);
    if (!(await this.heuristics.forget(key)))
      throw new XaException(XaCode.unknownXid, `XA transaction '${key}' was not completed heuristically; there is nothing to forget`);
  }

  /** An operator finishes a prepared XA transaction whose coordinator is gone (docs/transactions.md). */
  async completeHeuristically(key: string, outcome: HeuristicOutcome): Promise<void> {
    const tx = this.table.xaTransaction(key);
    if (tx === undefined || tx.state !== 'PREPARED' || tx.finishing) {
      throw new TransactionRefusal(
        `only a prepared XA transaction can be completed by hand; '${key}' is ${tx === undefined ? 'not known to this broker' : tx.finishing ? 'being completed' : 'not prepared'} (see metaq tx list)`,
      );
    }
    // The decision is durable before it is carried out; a crash in between finishes it at start-up.
    await this.heuristics.remember(key, outcome, tx.user);
    await (outcome === 'commit' ? this.completion.commitNow(tx) : this.completion.rollbackNow(tx));
    this.logger.warn({ tx: key, outcome }, 'prepared transaction completed heuristically by an operator');
  }

  /** Keys of the open transactions holding messages for `topic` (a topic delete waits for their outcome). */
  holding(topic: string): string[] {
    return this.table
      .all()
      .filter((tx) => tx.messages.some((message) => message.topic === topic))
      .map((tx) => tx.key);
  }

  list(): TransactionSummary[] {
    return summarizeTransactions(this.table.all(), this.heuristics.all());
  }

  /** A connection closed: its local transactions can never be committed, so roll them back now. */
  ownerClosed(owner: TransactionOwner): void {
    const mine = this.table.localOf(owner);
    if (mine === undefined) return;
    for (const tx of mine.values()) {
      if (tx.finishing) continue;
      this.logger.info({ tx: tx.key, messages: tx.messages.length }, 'connection closed with a local transaction open: rolled back');
      void this.completion
        .rollbackNow(tx)
        .catch((error: unknown) => this.logger.error({ err: error, tx: tx.key }, 'could not journal the rollback of an abandoned local transaction'));
    }
  }

  /** Let replay start later: see JournalCheckpoints. */
  async checkpoint(): Promise<void> {
    await this.checkpoints.checkpoint();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.checkpoints.stop();
    for (const tx of this.table.all()) tx.clearTimer();
    await this.checkpoint().catch((error: unknown) => this.logger.error({ err: error }, 'final transaction checkpoint failed'));
    await this.journal.close();
  }

  /**
   * With `[auth]` on, refuse (401) a caller that is neither the owner of `key` nor an admin. A key
   * this broker does not know is left to the usual "not started" answer.
   */
  private checkMayDecide(caller: TransactionCaller | undefined, action: string, key: string, tx: Transaction | undefined): void {
    if (caller === undefined) return;
    const heuristic = tx === undefined ? this.heuristics.get(key) : undefined;
    if (tx !== undefined || heuristic !== undefined) caller.checkMayDecide(action, key, tx !== undefined ? tx.user : heuristic!.owner);
  }

  private refuseIfHeuristic(key: string): void {
    const record = this.heuristics.get(key);
    if (record === undefined) return;
    const code = record.outcome === 'commit' ? XaCode.heuristicCommit : XaCode.heuristicRollback;
    throw new XaException(
      code,
      `XA transaction '${key}' was ${record.outcome === 'commit' ? 'committed' : 'rolled back'} heuristically by an operator; FORGET it`,
    );
  }
}
