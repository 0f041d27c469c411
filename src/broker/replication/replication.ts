import type { ReplicationConfig, ReplicationRole } from '../config/config-keys.js';
import type { PartitionStore } from '../../storage/partition-store.js';
import type { SyncMaster, SyncMasterStatus } from './sync-master.js';
import { SyncSlave } from './sync-slave.js';
import { MetaqError } from '../../common/errors.js';
import { configuredRole, initialRole, nextRole } from './replication-roles.js';
import type { RoleState } from './replication-roles.js';

/** How far an async slave's copy of each partition has got. */
export interface AsyncSlaveStatus {
  master: string | undefined;
  partitions: Array<{ partition: string; end: number; masterEnd: number; lagBytes: number; problem: string | undefined }>;
}

/** An async slave as the rest of the broker sees it. */
export interface AsyncSlaveControl {
  status(): AsyncSlaveStatus;
  /** Stop and restart replication from the current ZooKeeper state (MetaQ's SlaveResubscribe). */
  resubscribe(): Promise<void>;
  close(): Promise<void>;
}

export interface ReplicationStatus {
  role: ReplicationRole;
  epoch: number | undefined;
  demotedBecause: string | undefined;
  promotedAtEpoch: number | undefined;
  syncMaster: SyncMasterStatus | undefined;
  asyncSlave: AsyncSlaveStatus | undefined;
}

/**
 * This broker's part in replication, consulted by the put, get and sync handlers: its role now,
 * moved only through the role table (a sync slave becomes master when promoted; a replaced master
 * is fenced), the sync master's link to its slave, or the slave side.
 */
export class Replication {
  private state: RoleState;
  private syncMasterLink: SyncMaster | undefined;
  readonly syncSlave: SyncSlave | undefined;
  private asyncSlaveLink: AsyncSlaveControl | undefined;
  private fencedReason: string | undefined;
  private claimedEpoch: number | undefined;

  constructor(
    readonly config: ReplicationConfig,
    private readonly brokerId: number,
  ) {
    this.state = initialRole(config);
    this.syncSlave = config.role === 'sync-slave' ? new SyncSlave() : undefined;
  }

  /** The role as configured and reported: a sync master and a fenced one are masters. */
  get role(): ReplicationRole {
    return configuredRole(this.state);
  }

  /** The state in the role table. */
  get roleState(): RoleState {
    return this.state;
  }

  get syncMaster(): SyncMaster | undefined {
    return this.syncMasterLink;
  }

  get asyncSlave(): AsyncSlaveControl | undefined {
    return this.asyncSlaveLink;
  }

  /** Set when another broker was promoted in this one's place: it acks nothing from then on. */
  get demotedBecause(): string | undefined {
    return this.fencedReason;
  }

  /** The epoch this broker is master in, for a replicated broker id. */
  get epoch(): number | undefined {
    return this.claimedEpoch;
  }

  /** The link to the sync slave, made before listening so no put is acked without it. */
  attachSyncMaster(master: SyncMaster): void {
    if (this.state !== 'sync-master' || this.syncMasterLink !== undefined)
      throw new MetaqError('ROLE_TRANSITION_REFUSED', `a broker in replication role ${this.state} takes no sync master link`);
    this.syncMasterLink = master;
  }

  /** The copy of the master's partitions, once registered as a slave. */
  attachAsyncSlave(slave: AsyncSlaveControl): void {
    if (this.state !== 'async-slave' || this.asyncSlaveLink !== undefined)
      throw new MetaqError('ROLE_TRANSITION_REFUSED', `a broker in replication role ${this.state} takes no async slave`);
    this.asyncSlaveLink = slave;
  }

  /** A sync master owns `epoch` of its broker id. */
  claimEpoch(epoch: number): void {
    this.state = nextRole(this.state, 'claim-epoch');
    this.claimedEpoch = epoch;
  }

  /** This sync slave was promoted in `epoch`: frames from the old master are refused from now on. */
  promote(epoch: number): void {
    this.state = nextRole(this.state, 'promote');
    if (this.syncSlave !== undefined) this.syncSlave.promotedAt = epoch;
    this.claimedEpoch = epoch;
  }

  /** Another broker took over this broker id. False when already fenced (the first reason stays). */
  fence(reason: string): boolean {
    if (this.state === 'fenced') return false;
    this.state = nextRole(this.state, 'replaced');
    this.fencedReason = reason;
    return true;
  }

  /** Close the replication links (the broker is stopping). */
  async close(): Promise<void> {
    await this.syncMasterLink?.close();
    await this.asyncSlaveLink?.close();
  }

  /** Why this broker takes no puts or commits now (answered 503: nothing was stored), or undefined. */
  refusal(): string | undefined {
    if (this.fencedReason !== undefined) return this.fencedReason;
    if (this.state === 'sync-slave') return `this broker is the sync slave of broker ${this.brokerId} and takes no puts; send to its master`;
    if (this.state === 'async-slave')
      return `this broker is async slave ${this.config.slaveId} of broker ${this.brokerId}: it serves gets only; send puts to its master`;
    return undefined;
  }

  /** End of what consumers may read: with a sync slave, only what the slave has too. */
  visibleEnd(log: PartitionStore): number {
    return this.syncMasterLink === undefined ? log.visibleEnd : this.syncMasterLink.visibleEnd(log);
  }

  /** The admin API's and the metrics' view; `statusLines` prints the same for `stats replication`. */
  status(): ReplicationStatus {
    return {
      role: this.role,
      epoch: this.claimedEpoch,
      demotedBecause: this.fencedReason,
      promotedAtEpoch: this.syncSlave?.promotedAt,
      syncMaster: this.syncMasterLink?.status(),
      asyncSlave: this.asyncSlaveLink?.status(),
    };
  }

  /** `stats replication`. */
  statusLines(): string[] {
    const s = this.status();
    const lines = [`role ${s.role}`];
    if (s.epoch !== undefined) lines.push(`epoch ${s.epoch}`);
    if (s.demotedBecause !== undefined) lines.push(`demoted ${s.demotedBecause}`);
    if (s.promotedAtEpoch !== undefined) lines.push(`promoted_at_epoch ${s.promotedAtEpoch}`);
    const master = s.syncMaster;
    if (master !== undefined) {
      lines.push(
        `slave ${master.slave}`,
        `slave_connected ${master.connected}`,
        `withdrawn ${master.withdrawn}`,
        `consecutive_failures ${master.consecutiveFailures}`,
      );
      for (const p of master.partitions) lines.push(`${p.partition} state ${p.state} end ${p.end} replicated ${p.replicated} lag_bytes ${p.lagBytes}`);
    }
    const slave = s.asyncSlave;
    if (slave !== undefined) {
      lines.push(`master ${slave.master ?? 'none'}`, `replicate_partitions ${slave.partitions.length}`);
      for (const p of slave.partitions)
        lines.push(`${p.partition} end ${p.end} master_end ${p.masterEnd} lag_bytes ${p.lagBytes}${p.problem === undefined ? '' : ` problem ${p.problem}`}`);
    }
    return lines;
  }
}
