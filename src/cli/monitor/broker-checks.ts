import type { Alert } from './alert-book.js';
import type { BrokerSnapshot } from './broker-snapshot.js';

/** When the monitor alerts (MetaQ's monitor.properties thresholds with today's names; docs/operations.md). */
export interface Thresholds {
  /** Failed puts between two rounds above this alert (MetaQ's realtimePutFailThreshold). */
  putFailed: number;
  /** A group's position unchanged this long while it has lag (offsetNoChangeTimeThreshold). */
  stallMs: number;
  /** More transactions than this prepared for longer than `preparedAgeMs` (preparedTransactionCountThreshold). */
  prepared: number;
  preparedAgeMs: number;
  /** Open connections in all and from one client address (metaConnectionThreshold, metaConnectionPerIpThreshold). */
  connections: number;
  connectionsPerAddress: number;
  /** Used share of a data path's file system, 0-1 (diskUsedThreshold). */
  diskUsed: number;
  /** One-minute load average per CPU (cpuLoadThreshold). */
  loadPerCpu: number;
  /** Bytes a replica may be behind. */
  replicationLagBytes: number;
}

export const defaultThresholds: Thresholds = {
  putFailed: 10,
  stallMs: 5 * 60_000,
  prepared: 0,
  preparedAgeMs: 60_000,
  connections: 10_000,
  connectionsPerAddress: 1_000,
  diskUsed: 0.9,
  loadPerCpu: 4,
  replicationLagBytes: 64 * 1024 * 1024,
};

/** Where a group stood in a partition, and since when. */
interface Position {
  offset: number;
  sinceMs: number;
}

/**
 * The checks on one broker's snapshots. It keeps what the previous round saw: the failed-put
 * counter and each group's position, since a stall or a burst of failures shows only over time.
 */
export class BrokerChecks {
  private previousPutFailed: number | undefined;
  private readonly positions = new Map<string, Position>();

  constructor(
    private readonly broker: string,
    private readonly thresholds: Thresholds,
    /** Groups that are not consumers to watch: the monitor's own probe group, ad hoc reads. */
    private readonly ignoredGroups: ReadonlySet<string>,
  ) {}

  check(snapshot: BrokerSnapshot): Alert[] {
    return [
      ...this.putFailures(snapshot),
      ...this.stalledConsumers(snapshot),
      ...this.preparedTransactions(snapshot),
      ...this.connections(snapshot),
      ...this.host(snapshot),
      ...this.replication(snapshot),
    ];
  }

  private alert(kind: Alert['kind'], subject: string, message: string): Alert {
    return { broker: this.broker, kind, subject, message };
  }

  private putFailures({ info }: BrokerSnapshot): Alert[] {
    const previous = this.previousPutFailed;
    this.previousPutFailed = info.counters.putFailed;
    // A smaller counter means the broker restarted: this round starts a new count.
    const failed = previous === undefined || info.counters.putFailed < previous ? 0 : info.counters.putFailed - previous;
    return failed > this.thresholds.putFailed
      ? [
          this.alert(
            'put-failed',
            '',
            `${failed} puts failed since the last round (threshold ${this.thresholds.putFailed}); see the broker's log and stats realtime`,
          ),
        ]
      : [];
  }

  private stalledConsumers({ groups, atMs }: BrokerSnapshot): Alert[] {
    const alerts: Alert[] = [];
    const seen = new Set<string>();
    for (const group of groups) {
      if (this.ignoredGroups.has(group.group)) continue;
      for (const p of group.partitions) {
        const offset = p.committed ?? p.fetched;
        if (offset === undefined) continue;
        const key = `${group.group} ${p.topic}-${p.partition}`;
        seen.add(key);
        const known = this.positions.get(key);
        if (known === undefined || known.offset !== offset || p.lagBytes === 0) {
          this.positions.set(key, { offset, sinceMs: atMs });
          continue;
        }
        const stalledMs = atMs - known.sinceMs;
        if (stalledMs >= this.thresholds.stallMs) {
          alerts.push(
            this.alert(
              'stalled-consumer',
              key,
              `group ${group.group} has not moved in ${p.topic} partition ${p.partition} for ${Math.round(stalledMs / 1000)} s: at offset ${offset} with ${p.lagBytes} bytes to read (owner ${p.owner ?? p.client ?? 'none'})`,
            ),
          );
        }
      }
    }
    for (const key of this.positions.keys()) if (!seen.has(key)) this.positions.delete(key);
    return alerts;
  }

  private preparedTransactions({ transactions }: BrokerSnapshot): Alert[] {
    const old = transactions.filter((tx) => tx.state === 'PREPARED' && tx.ageMs >= this.thresholds.preparedAgeMs);
    if (old.length <= this.thresholds.prepared) return [];
    const keys = old
      .slice(0, 3)
      .map((tx) => tx.key)
      .join(', ');
    return [
      this.alert(
        'prepared-transactions',
        '',
        `${old.length} XA transactions prepared for over ${Math.round(this.thresholds.preparedAgeMs / 1000)} s (${keys}${old.length > 3 ? ', …' : ''}): is their coordinator down? Complete them with metaq tx commit|rollback or the console`,
      ),
    ];
  }

  private connections({ info }: BrokerSnapshot): Alert[] {
    const alerts: Alert[] = [];
    if (info.connections > this.thresholds.connections)
      alerts.push(this.alert('connections', '', `${info.connections} open connections (threshold ${this.thresholds.connections})`));
    for (const client of info.connectionsByAddress) {
      if (client.connections > this.thresholds.connectionsPerAddress)
        alerts.push(
          this.alert(
            'connections',
            client.address,
            `${client.connections} connections from ${client.address} (threshold ${this.thresholds.connectionsPerAddress}): a client leaking connections?`,
          ),
        );
    }
    return alerts;
  }

  private host({ info }: BrokerSnapshot): Alert[] {
    const alerts: Alert[] = [];
    for (const disk of info.host.disks) {
      const used = disk.totalBytes === 0 ? 0 : 1 - disk.freeBytes / disk.totalBytes;
      if (used >= this.thresholds.diskUsed)
        alerts.push(
          this.alert(
            'disk',
            disk.path,
            `${disk.path} is ${(used * 100).toFixed(1)}% full (${disk.freeBytes} bytes free; threshold ${this.thresholds.diskUsed * 100}%)`,
          ),
        );
    }
    const load = (info.host.loadAverage[0] ?? 0) / Math.max(1, info.host.cpus);
    if (load > this.thresholds.loadPerCpu)
      alerts.push(
        this.alert(
          'load',
          '',
          `load average ${info.host.loadAverage[0]?.toFixed(2)} on ${info.host.cpus} CPUs (threshold ${this.thresholds.loadPerCpu} per CPU)`,
        ),
      );
    if (info.zookeeperConnected === false)
      alerts.push(this.alert('zookeeper', '', 'the broker has lost its ZooKeeper session: consumers cannot rebalance onto it and it is not registered'));
    return alerts;
  }

  private replication({ replication }: BrokerSnapshot): Alert[] {
    const alerts: Alert[] = [];
    const limit = this.thresholds.replicationLagBytes;
    if (replication.demotedBecause !== undefined) alerts.push(this.alert('replication', 'demoted', `demoted: ${replication.demotedBecause}`));
    const sync = replication.syncMaster;
    if (sync !== undefined) {
      if (!sync.connected)
        alerts.push(
          this.alert(
            'replication',
            'sync-slave',
            `sync slave ${sync.slave} is not connected (${sync.consecutiveFailures} failures in a row)${sync.withdrawn ? '; the broker has withdrawn from ZooKeeper' : ''}`,
          ),
        );
      for (const p of sync.partitions)
        if (p.lagBytes > limit) alerts.push(this.alert('replication', p.partition, `sync slave is ${p.lagBytes} bytes behind in ${p.partition}`));
    }
    for (const p of replication.asyncSlave?.partitions ?? []) {
      if (p.problem !== undefined) alerts.push(this.alert('replication', p.partition, `async copy of ${p.partition} stopped: ${p.problem}`));
      else if (p.lagBytes > limit) alerts.push(this.alert('replication', p.partition, `async copy of ${p.partition} is ${p.lagBytes} bytes behind its master`));
    }
    return alerts;
  }
}
