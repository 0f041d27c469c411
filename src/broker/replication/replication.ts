import type { ReplicationConfig, ReplicationRole } from '../config/config-keys.js';
import type { PartitionLog } from '../../storage/partition-log.js';
import type { SyncMaster } from './sync-master.js';
import { SyncSlave } from './sync-slave.js';

/** Something that reports its replication state as `stats replication` lines. */
export interface AsyncSlaveControl {
  statusLines(): string[];
  /** Stop and restart replication from the current ZooKeeper state (MetaQ's SlaveResubscribe). */
  resubscribe(): Promise<void>;
  close(): Promise<void>;
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
  visibleEnd(log: PartitionLog): number {
    return this.syncMaster === undefined ? log.visibleEnd : this.syncMaster.visibleEnd(log);
  }

  /** `stats replication`. */
  statusLines(): string[] {
    const lines = [`role ${this.role}`];
    if (this.epoch !== undefined) lines.push(`epoch ${this.epoch}`);
    if (this.demotedBecause !== undefined) lines.push(`demoted ${this.demotedBecause}`);
    if (this.syncSlave?.promotedAt !== undefined) lines.push(`promoted_at_epoch ${this.syncSlave.promotedAt}`);
    const master = this.syncMaster?.status();
    if (master !== undefined) {
      lines.push(`slave ${master.slave}`, `slave_connected ${master.connected}`, `withdrawn ${master.withdrawn}`, `consecutive_failures ${master.consecutiveFailures}`);
      for (const p of master.partitions) lines.push(`${p.partition} state ${p.state} end ${p.end} replicated ${p.replicated} lag_bytes ${p.lagBytes}`);
    }
    if (this.asyncSlave !== undefined) lines.push(...this.asyncSlave.statusLines());
    return lines;
  }
}
