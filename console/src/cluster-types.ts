/** What GET /api/cluster answers (src/admin/api/cluster-routes.ts), as the Cluster page reads it. */

export interface ClusterMember {
  role: 'master' | 'sync slave' | 'async slave';
  url: string;
  slaveId?: number;
}

export interface ClusterBroker {
  brokerId: number;
  master: string | null;
  members: ClusterMember[];
  epoch: { epoch: number; master: string } | null;
  topics: Array<{ topic: string; partitions: number; publish: boolean; subscribe: boolean }>;
  partitions: number;
}

export interface ClusterLagPartition {
  topic: string;
  brokerId: number;
  partition: number;
  committed: number;
  end: number | null;
  lagBytes: number | null;
  lagMessagesEstimate: number | null;
  pastEnd: boolean;
}

export interface ClusterGroup {
  group: string;
  internal: boolean;
  lagBytes: number;
  lagMessagesEstimate: number | null;
  unknownPartitions: number;
  partitions: ClusterLagPartition[];
}

export interface ClusterMove {
  topic: string;
  from: string;
  to: string;
  state: string;
  copiedBytes: number | null;
  totalBytes: number | null;
  problem: string | null;
  updated: string;
}

export type ClusterAnswer =
  | { cluster: false; brokerId: number; url: string }
  | {
      cluster: true;
      brokerId: number;
      url: string;
      role: string;
      zookeeper: string;
      root: string;
      brokers: ClusterBroker[];
      groups: ClusterGroup[];
      omitted: { partitions: number; reason: string | null };
      unreachable: Array<{ brokerId: number; problem: string }>;
      moves: ClusterMove[];
    };
