/** The admin API's answers, as docs/admin-api.md describes them. */

export interface BrokerInfo {
  brokerId: number;
  url: string;
  version: string;
  role: string;
  startedAt: string;
  uptimeSeconds: number;
  dataPath: string;
  zookeeper: string | null;
  zookeeperConnected: boolean | null;
  configFile: string | null;
  connections: number;
  connectionsByAddress: Array<{ address: string; connections: number }>;
  closedPartitions: Array<{ topic: string; partitions: number[] }>;
  topics: { topics: number; partitions: number; messages: number; sizeBytes: number; rates: Rates };
  process: { pid: number; node: string; rssBytes: number };
  host: { loadAverage: number[]; cpus: number; disks: Array<{ path: string; totalBytes: number; freeBytes: number }> };
}

export interface ClusterBroker {
  brokerId: number;
  master: string | null;
  syncSlave?: string | null;
  slaves: Array<{ slaveId: number; url: string | null }>;
}

export interface Rates {
  putsPerSecond: number;
  getsPerSecond: number;
  putBytesPerSecond: number;
  getBytesPerSecond: number;
}

export interface Partition {
  partition: number;
  minOffset: number;
  maxOffset: number;
  sizeBytes: number;
  messages: number;
  closed: boolean;
  puts: number;
  gets: number;
}

export interface Topic {
  topic: string;
  configured: boolean;
  partitions: Partition[];
  messages: number;
  sizeBytes: number;
  settings: Record<string, unknown> | null;
  rates: Rates;
}

/** One page of `GET /api/topics`: topics by name after a cursor, and how many match in all. */
export interface TopicPage {
  topics: Topic[];
  total: number;
  start: number;
  next: string | null;
  limit: number;
}

export interface GroupPartition {
  topic: string;
  partition: number;
  committed?: number;
  fetched?: number;
  lastFetchMs?: number;
  owner?: string;
  client?: string;
  maxOffset: number;
  lagBytes: number;
  /** lagBytes / the partition's average message size (docs/admin-api.md). */
  lagMessagesEstimate: number;
  pastEnd: boolean;
}

export interface Group {
  group: string;
  members: string[];
  partitions: GroupPartition[];
  lagBytes: number;
  lagHistory?: Array<{ atMs: number; lagBytes: number }>;
}

export interface Message {
  offset: number;
  id: string;
  flag: number;
  attribute?: string;
  size: number;
  text?: string;
  base64: string;
  intact: boolean;
}

export interface MessagePage {
  messages: Message[];
  nextOffset: number;
  minOffset: number;
  maxOffset: number;
}

export interface Transaction {
  key: string;
  state: string;
  messages: number;
  ageMs: number;
}

export interface ReplicationStatus {
  role: string;
  epoch?: number;
  demotedBecause?: string;
  promotedAtEpoch?: number;
  syncMaster?: {
    slave: string;
    connected: boolean;
    withdrawn: boolean;
    consecutiveFailures: number;
    partitions: Array<{ partition: string; state: string; end: number; replicated: number; lagBytes: number }>;
  };
  asyncSlave?: { master?: string; partitions: Array<{ partition: string; end: number; masterEnd: number; lagBytes: number; problem?: string }> };
}
