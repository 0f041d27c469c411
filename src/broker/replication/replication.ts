import type { ReplicationConfig, ReplicationRole } from '../config/config-keys.js';
import type { PartitionStore } from '../../storage/partition-store.js';
import type { SyncMaster, SyncMasterStatus } from './sync-master.js';
import { SyncSlave } from './sync-slave.js';

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
 * This broker's part in replication, consulted by the put, get and sync handlers: its role now
 * (a sync slave becomes master when promoted; a replaced master is demoted), the sync master's
 * link to its slave, or the slave side.
 */
export class Replication {
  role: ReplicationRole;
  syncMaster: SyncMaster | undefined;
  readonly syncSlave: SyncSlave | undefined;
  asyncSlave: AsyncSlaveControl | undefined;
  /** Set when another broker was promoted in this one's place: it acks nothing from then on. */
  demotedBecause: string | undefined;
  epoch: number | undefined;

  constructor(
    readonly config: ReplicationConfig,
    private readonly brokerId: number,
  ) {
    this.role = config.role;
    this.syncSlave = config.role === 'sync-slave' ? new SyncSlave() : undefined;
  }

  /** Why this broker takes no puts or commits now (answered 503: nothing was stored), or undefined. */
  refusal(): string | undefined {
    if (this.demotedBecause !== undefined) return this.demotedBecause;
    if (this.role === 'sync-slave') return `this broker is the sync slave of broker ${this.brokerId} and takes no puts; send to its master`;
    if (this.role === 'async-slave') return `this broker is async slave ${this.config.slaveId} of broker ${this.brokerId}: it serves gets only; send puts to its master`;
    return undefined;
  }

  /** End of what consumers may read: with a sync slave, only what the slave has too. */
  visibleEnd(log: PartitionStore): number {
    return this.syncMaster === undefined ? log.visibleEnd : this.syncMaster.visibleEnd(log);
  }

  /** The admin API's and the metrics' view; `statusLines` prints the same for `stats replication`. */
  status(): ReplicationStatus {
    return {
      role: this.role,
      epoch: this.epoch,
      demotedBecause: this.demotedBecause,
      promotedAtEpoch: this.syncSlave?.promotedAt,
      syncMaster: this.syncMaster?.status(),
      asyncSlave: this.asyncSlave?.status(),
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
      lines.push(`slave ${master.slave}`, `slave_connected ${master.connected}`, `withdrawn ${master.withdrawn}`, `consecutive_failures ${master.consecutiveFailures}`);
      for (const p of master.partitions) lines.push(`${p.partition} state ${p.state} end ${p.end} replicated ${p.replicated} lag_bytes ${p.lagBytes}`);
    }
    const slave = s.asyncSlave;
    if (slave !== undefined) {
      lines.push(`master ${slave.master ?? 'none'}`, `replicate_partitions ${slave.partitions.length}`);
      for (const p of slave.partitions) lines.push(`${p.partition} end ${p.end} master_end ${p.masterEnd} lag_bytes ${p.lagBytes}${p.problem === undefined ? '' : ` problem ${p.problem}`}`);
    }
    return lines;
  }
}
