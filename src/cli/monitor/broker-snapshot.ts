import type { AdminClient } from '../../admin/admin-client.js';
import type { GroupView } from '../../admin/views/group-view.js';
import type { ReplicationStatus } from '../../broker/replication/replication.js';
import type { TransactionSummary } from '../../broker/transactions/transaction-manager.js';

/** The part of `GET /api/broker` the monitor reads. */
export interface BrokerInfo {
  brokerId: number;
  url: string;
  role: string;
  zookeeperConnected: boolean | null;
  connections: number;
  connectionsByAddress: Array<{ address: string; connections: number }>;
  counters: { putFailed: number };
  host: { loadAverage: number[]; cpus: number; disks: Array<{ path: string; totalBytes: number; freeBytes: number }> };
}

/** One broker as the admin API showed it in one round. */
export interface BrokerSnapshot {
  atMs: number;
  info: BrokerInfo;
  groups: GroupView[];
  transactions: TransactionSummary[];
  replication: ReplicationStatus;
}

export async function readSnapshot(admin: AdminClient, nowMs: number): Promise<BrokerSnapshot> {
  const [info, groups, transactions, replication] = await Promise.all([
    admin.call<BrokerInfo>('GET', '/broker'),
    admin.call<{ groups: GroupView[] }>('GET', '/groups'),
    admin.call<{ transactions: TransactionSummary[] }>('GET', '/transactions'),
    admin.call<ReplicationStatus>('GET', '/replication'),
  ]);
  return { atMs: nowMs, info, groups: groups.groups, transactions: transactions.transactions, replication };
}
