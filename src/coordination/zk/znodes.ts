/**
 * MetaQ's ZooKeeper layout (docs/cluster.md): every path and every node's content, byte for byte, so MetaQ
 * Java clients and metaq share a cluster. Pure functions, no ZooKeeper access.
 */

/** `zk.zkRoot` normalised as MetaQ does: a leading `/` added, a trailing `/` removed. */
export function normaliseRoot(root: string): string {
  const withSlash = root.startsWith('/') ? root : `/${root}`;
  return withSlash.length > 1 && withSlash.endsWith('/') ? withSlash.slice(0, -1) : withSlash;
}

export class MetaZnodes {
  readonly root: string;

  constructor(root = '/meta') {
    this.root = normaliseRoot(root);
  }

  brokerIds(): string {
    return `${this.root}/brokers/ids`;
  }

  /** Persistent; data = master URL, kept for pre-1.4 clients. */
  brokerId(brokerId: number): string {
    return `${this.brokerIds()}/${brokerId}`;
  }

  /** Ephemeral; data = `meta://host:port`. */
  master(brokerId: number): string {
    return `${this.brokerId(brokerId)}/master`;
  }

  slave(brokerId: number, slaveId: number): string {
    return `${this.brokerId(brokerId)}/slave${slaveId}`;
  }

  /** Ephemeral; data = decimal CRC-32 of the master's server.ini. */
  configChecksum(brokerId: number): string {
    return `${this.brokerId(brokerId)}/master_config_checksum`;
  }

  /** Legacy topic registration (pre-1.4.3 clients): data = decimal numPartitions. `member` is `m` or `s<slaveId>`. */
  legacyTopic(topic: string, brokerId: number, member = 'm'): string {
    return `${this.root}/brokers/topics/${topic}/${brokerId}-${member}`;
  }

  topicsPub(topic: string): string {
    return `${this.root}/brokers/topics-pub/${topic}`;
  }

  topicsSub(topic: string): string {
    return `${this.root}/brokers/topics-sub/${topic}`;
  }

  /** metaq only (MetaQ clients never read it): who is master of a replicated broker id, and since which epoch. */
  epoch(brokerId: number): string {
    return `${this.root}/metaq/epochs/${brokerId}`;
  }

  /** metaq only: ephemeral, the URL of a broker id's sync slave (MetaQ's gregor slave is otherwise invisible). */
  syncSlave(brokerId: number): string {
    return `${this.root}/metaq/sync-slaves/${brokerId}`;
  }

  /** metaq only: persistent, the admin API token every broker without its own `[http] token` shares (docs/security.md). */
  adminToken(): string {
    return `${this.root}/metaq/admin-token`;
  }

  /** metaq only: the parent of the brokers' admin URL registrations. */
  adminUrls(): string {
    return `${this.root}/metaq/admin`;
  }

  /** metaq only: ephemeral, data = the broker's admin API URL; `member` is `m`, `s<slaveId>` or `sync` (a sync slave). */
  adminUrl(brokerId: number, member: string): string {
    return `${this.adminUrls()}/${brokerId}-${member}`;
  }

  consumerIds(group: string): string {
    return `${this.root}/consumers/${group}/ids`;
  }

  owner(group: string, topic: string, partition: string): string {
    return `${this.root}/consumers/${group}/owners/${topic}/${partition}`;
  }

  offset(group: string, topic: string, partition: string): string {
    return `${this.root}/consumers/${group}/offsets/${topic}/${partition}`;
  }
}

/** Data of a topics-pub / topics-sub child, in Jackson's key order; `member` is `m` or `s<slaveId>`. */
export function topicBrokerJson(numParts: number, brokerId: number, member = 'm'): string {
  return `{"numParts":${numParts},"broker":"${brokerId}-${member}"}`;
}

/** Read a topics-pub / topics-sub child's JSON (any key order). */
export function parseTopicBroker(data: string): { numParts: number; broker: string } | undefined {
  try {
    const parsed = JSON.parse(data) as { numParts?: unknown; broker?: unknown };
    if (typeof parsed.numParts !== 'number' || typeof parsed.broker !== 'string') return undefined;
    return { numParts: parsed.numParts, broker: parsed.broker };
  } catch {
    return undefined;
  }
}

/** Offset node content since 1.4: `<msgId>-<offset>`. */
export function formatOffsetNode(msgId: bigint, offset: number): string {
  return `${msgId}-${offset}`;
}

/** Split at the last `-` (ids may be negative); a value without `-` is an old plain offset (docs/cluster.md). */
export function parseOffsetNode(data: string): { msgId: bigint; offset: number } | undefined {
  const text = data.trim();
  const dash = text.lastIndexOf('-');
  if (dash <= 0) return /^\d+$/.test(text) ? { msgId: -1n, offset: Number(text) } : undefined;
  const id = text.slice(0, dash);
  const offset = text.slice(dash + 1);
  if (!/^-?\d+$/.test(id) || !/^\d+$/.test(offset)) return undefined;
  return { msgId: BigInt(id), offset: Number(offset) };
}
