import type { Logger } from 'pino';
import { MetaqError } from '../../common/errors.js';
import { BrokerEpoch } from '../../coordination/zk/broker-epoch.js';
import type { EpochRecord } from '../../coordination/zk/broker-epoch.js';
import type { ZkSession } from '../../coordination/zk/zk-session.js';
import type { MetaZnodes } from '../../coordination/zk/znodes.js';

export interface FailoverHooks {
  /** This sync slave became master: stop taking frames, register as master, take puts. */
  promoted(epoch: number): Promise<void>;
  /** Another broker was promoted in this master's place: stop acking, leave ZooKeeper. */
  demoted(reason: string): Promise<void>;
}

/**
 * Who is master of a replicated broker id, kept in ZooKeeper as an epoch as Kafka and RocketMQ
 * do it (docs/replication.md, failover). The first sync master claims epoch 1. Promoting the slave (`metaq promote`, or
 * the slave itself with autoPromote once the master's session expired) writes the next epoch
 * naming the slave, with a versioned write so only one promotion wins. The slave watches the
 * epoch and takes over when it names it; the old master, which watches it too, stops acking the
 * moment it learns, and checks it before registering again after any session loss. Even before
 * it learns, it cannot ack a put: acks need the slave, which refuses frames once promoted.
 */
export class Failover {
  private readonly epochs: BrokerEpoch;
  /** The epoch this broker acts as master in, if it does. */
  epoch: number | undefined;
  private closed = false;
  private masterSeen = false;
  /** What this broker does now: a master watches for its replacement, a slave for its promotion. */
  private acting: 'master' | 'slave' = 'master';
  private autoPromote = false;

  constructor(
    private readonly session: ZkSession,
    private readonly znodes: MetaZnodes,
    private readonly brokerId: number,
    private readonly url: string,
    private readonly hooks: FailoverHooks,
    private readonly logger: Logger,
  ) {
    this.epochs = new BrokerEpoch(session, znodes, brokerId);
    session.on('established', this.onNewSession);
  }

  /** A new session lost every watch and ephemeral node: watch again, and a slave announces itself again. */
  private readonly onNewSession = (): void => {
    if (this.closed) return;
    this.onEpochChange();
    if (this.acting !== 'slave') return;
    void this.announce()
      .then(() => (this.autoPromote ? this.watchMaster() : undefined))
      .catch((error: unknown) => this.logger.warn({ component: 'failover', err: error }, 'could not announce the sync slave again'));
  };

  private async announce(): Promise<void> {
    const path = this.znodes.syncSlave(this.brokerId);
    const claim = await this.session.claimEphemeral(path, this.url, (holder) => holder === this.url);
    if (!claim.claimed) await this.session.setData(path, this.url);
  }

  /**
   * A sync master starting: claim epoch 1 if nobody has, carry on if the epoch names this broker,
   * refuse to start if it names another (this broker was replaced while it was down).
   */
  async startAsMaster(): Promise<void> {
    this.acting = 'master';
    let record = await this.epochs.read(this.onEpochChange);
    if (record === undefined) {
      await this.epochs.claim(this.url, undefined);
      record = await this.epochs.read(this.onEpochChange);
    }
    if (record === undefined || record.master !== this.url) throw this.replacedError(record);
    this.epoch = record.epoch;
    this.logger.info({ component: 'failover', epoch: record.epoch }, 'acting as master of a replicated broker id');
  }

  /** Before registering again (new session): still master? */
  readonly checkStillMaster = async (): Promise<void> => {
    const record = await this.epochs.read();
    if (record !== undefined && record.master !== this.url) {
      const error = this.replacedError(record);
      await this.hooks.demoted(error.message);
      throw error;
    }
  };

  private replacedError(record: EpochRecord | undefined): MetaqError {
    return new MetaqError(
      'REPLACED_MASTER',
      `broker ${this.brokerId} is now served by ${record?.master ?? 'another broker'} (epoch ${record?.epoch ?? '?'}), which was promoted while this one was away; this broker's log may hold messages that were never replicated, so it will not act as master. Start it as that broker's sync slave with an empty dataPath, or promote it back with 'metaq promote' once the other is stopped`,
    );
  }

  /**
   * A sync slave starting: if the epoch already names it (promoted before a restart), it is
   * master; otherwise it announces itself where `metaq promote` finds it and waits.
   * Returns true when it starts as master.
   */
  async startAsSlave(autoPromote: boolean): Promise<boolean> {
    this.acting = 'slave';
    const record = await this.epochs.read(this.onEpochChange);
    if (record?.master === this.url) {
      this.epoch = record.epoch;
      this.acting = 'master';
      return true;
    }
    this.autoPromote = autoPromote;
    await this.announce();
    if (autoPromote) await this.watchMaster();
    return false;
  }

  private readonly onEpochChange = (): void => {
    if (this.closed) return;
    void this.epochs
      .read(this.onEpochChange)
      .then(async (record) => {
        if (record === undefined) return;
        if (this.acting === 'slave' && record.master === this.url) {
          this.acting = 'master';
          this.epoch = record.epoch;
          await this.session.remove(this.znodes.syncSlave(this.brokerId));
          this.logger.warn({ component: 'failover', epoch: record.epoch }, 'promoted to master');
          await this.hooks.promoted(record.epoch);
        } else if (this.acting === 'master' && record.master !== this.url && this.epoch !== undefined) {
          this.epoch = undefined;
          await this.hooks.demoted(this.replacedError(record).message);
        }
      })
      .catch((error: unknown) => this.logger.error({ component: 'failover', err: error }, 'could not act on an epoch change'));
  };

  /** autoPromote: once the master that was registered is gone (its session expired), claim the next epoch. */
  private readonly onMasterChange = (): void => {
    if (this.closed || this.acting !== 'slave') return;
    void this.watchMaster().catch((error: unknown) => this.logger.error({ component: 'failover', err: error }, 'could not watch the master'));
  };

  private async watchMaster(): Promise<void> {
    const master = await this.session.getVersioned(this.znodes.master(this.brokerId), this.onMasterChange);
    if (master !== undefined) {
      this.masterSeen = true;
      return;
    }
    if (!this.masterSeen) return; // never saw one: the master may simply not have started yet
    const record = await this.epochs.read();
    if (record?.master === this.url) return;
    this.logger.warn({ component: 'failover', previous: record?.master }, 'the master is gone: promoting this sync slave');
    if ((await this.epochs.claim(this.url, record)) === undefined) this.logger.warn({ component: 'failover' }, 'another promotion won the race');
  }

  close(): void {
    this.closed = true;
    this.session.off('established', this.onNewSession);
  }
}

/**
 * `metaq promote`: make a broker id's sync slave its master. Refuses while the master is still
 * registered (it would be cut off mid-flight) unless forced. Resolves with the new record once
 * the slave registered as master, or rejects after `timeoutMs`.
 */
export async function promoteSyncSlave(
  session: ZkSession,
  znodes: MetaZnodes,
  brokerId: number,
  options: {
    force?: boolean;
    timeoutMs?: number;
    /** The registered master is unreachable: wait this long for its ephemeral node to go (its session expiring) instead of refusing. */
    masterExpiryMs?: number;
    /** Told before that wait, so the operator knows why nothing happens for a while. */
    onWaitingForExpiry?: (master: string, atMostMs: number) => void;
  } = {},
): Promise<EpochRecord> {
  const slave = await session.getData(znodes.syncSlave(brokerId));
  if (!slave)
    throw new MetaqError(
      'NO_SYNC_SLAVE',
      `broker ${brokerId} has no sync slave registered at ${znodes.syncSlave(brokerId)}; start one with [replication] role=sync-slave`,
    );
  let master = await session.getData(znodes.master(brokerId));
  if (master && !options.force && options.masterExpiryMs !== undefined) {
    options.onWaitingForExpiry?.(master, options.masterExpiryMs);
    const expiry = performance.now() + options.masterExpiryMs;
    while (master && performance.now() < expiry) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      master = await session.getData(znodes.master(brokerId));
    }
  }
  if (master && !options.force)
    throw new MetaqError(
      'MASTER_ALIVE',
      `broker ${brokerId} still has a live master (${master}); stop it first, or pass --force to fence it (its unreplicated puts fail)`,
    );
  const epochs = new BrokerEpoch(session, znodes, brokerId);
  const seen = await epochs.read();
  const next = await epochs.claim(slave, seen);
  if (next === undefined) throw new MetaqError('PROMOTION_RACE', `the epoch of broker ${brokerId} changed while promoting; run the command again`);
  if (master && options.force) await session.remove(znodes.master(brokerId));
  const deadline = performance.now() + (options.timeoutMs ?? 30_000);
  while (performance.now() < deadline) {
    if ((await session.getData(znodes.master(brokerId))) === slave) return next;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new MetaqError(
    'PROMOTION_TIMEOUT',
    `epoch ${next.epoch} names ${slave}, but it did not register as master within ${options.timeoutMs ?? 30_000} ms; check its log`,
  );
}
