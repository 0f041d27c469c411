import type { ZkSession } from '../coordination/zk/zk-session.js';
import { MetaZnodes, parseTopicBroker } from '../coordination/zk/znodes.js';
import { ConnectionError } from './errors.js';
import type { Partition } from './message.js';
import type { PartitionRouter } from './partition-router.js';
import type { BrokerAddress } from './transport/broker-address.js';
import { parseBrokerUrl } from './transport/broker-address.js';

/**
 * Cluster-mode discovery (docs/cluster.md): a topic's partitions are the `-m` children of
 * `/brokers/topics-pub/<topic>` (JSON numParts), each broker's address is its
 * `/brokers/ids/<id>/master`, and the list is sorted by (brokerId, index). A ZooKeeper watch
 * drops the cached list on any change, so producers follow brokers that leave and return.
 */
export class ZkRouter implements PartitionRouter {
  readonly znodes: MetaZnodes;
  private readonly cache = new Map<string, readonly Partition[]>();
  private readonly brokers = new Map<number, BrokerAddress>();
  private readonly lookups = new Map<string, Promise<readonly Partition[]>>();
  private readonly watchers = new Map<string, () => void>();
  /** Watch notifications per topic, so a lookup that raced a change does not cache what it read. */
  private readonly changes = new Map<string, number>();

  constructor(
    private readonly session: () => Promise<ZkSession>,
    root = '/meta',
  ) {
    this.znodes = new MetaZnodes(root);
  }

  /** The ZooKeeper session (opened on first use), for group membership. */
  zkSession(): Promise<ZkSession> {
    return this.session();
  }

  knownPartitions(topic: string): readonly Partition[] | undefined {
    return this.cache.get(topic);
  }

  /** Concurrent lookups of one topic share one ZooKeeper read (and one watch). */
  partitions(topic: string): Promise<readonly Partition[]> {
    const known = this.cache.get(topic);
    if (known !== undefined) return Promise.resolve(known);
    let lookup = this.lookups.get(topic);
    if (lookup === undefined) {
      lookup = this.lookup(topic).finally(() => this.lookups.delete(topic));
      this.lookups.set(topic, lookup);
    }
    return lookup;
  }

  private async lookup(topic: string): Promise<readonly Partition[]> {
    const session = await this.session();
    const changesBefore = this.changes.get(topic) ?? 0;
    const children = await session.getChildren(this.znodes.topicsPub(topic), this.watcher(topic));
    const partitions: Partition[] = [];
    for (const child of children) {
      const match = /^(\d+)-m$/.exec(child);
      if (match === null) continue; // slaves are never used by producers
      const brokerId = Number(match[1]);
      // Watched too: a broker's partition count changes in place when partitions are added or move (docs/cluster.md).
      const info = parseTopicBroker((await session.getVersioned(`${this.znodes.topicsPub(topic)}/${child}`, this.watcher(topic)))?.data ?? '');
      const url = await session.getData(this.znodes.master(brokerId));
      if (info === undefined || !url) continue;
      this.brokers.set(brokerId, parseBrokerUrl(url));
      for (let index = 0; index < info.numParts; index += 1) partitions.push({ brokerId, index });
    }
    partitions.sort((a, b) => a.brokerId - b.brokerId || a.index - b.index);
    // A change seen while reading makes this list stale: answer with it, but do not keep it.
    if ((this.changes.get(topic) ?? 0) === changesBefore) this.cache.set(topic, partitions);
    return partitions;
  }

  /** One watch function per topic: ZooKeeper's client keeps one registration per function and path. */
  private watcher(topic: string): () => void {
    let watch = this.watchers.get(topic);
    if (watch === undefined) {
      watch = () => {
        this.changes.set(topic, (this.changes.get(topic) ?? 0) + 1);
        this.cache.delete(topic);
      };
      this.watchers.set(topic, watch);
    }
    return watch;
  }

  /** Per broker id, where to read: cached until its registrations under `/brokers/ids/<id>` change. */
  private readonly readers = new Map<number, Promise<BrokerAddress | undefined>>();
  private readonly readerWatchers = new Map<number, () => void>();

  /** The master if registered, else a random async slave (MetaQ's consumer; docs/cluster.md). */
  async readBroker(partition: Partition): Promise<BrokerAddress> {
    const { brokerId } = partition;
    let lookup = this.readers.get(brokerId);
    if (lookup === undefined) {
      lookup = this.lookupReader(brokerId);
      this.readers.set(brokerId, lookup);
    }
    const address = await lookup.catch((error: unknown) => {
      this.readers.delete(brokerId);
      throw error;
    });
    if (address === undefined) {
      this.readers.delete(brokerId);
      throw new ConnectionError(`neither a master nor a slave is registered for broker ${brokerId}`);
    }
    return address;
  }

  private async lookupReader(brokerId: number): Promise<BrokerAddress | undefined> {
    const session = await this.session();
    let watch = this.readerWatchers.get(brokerId);
    if (watch === undefined) {
      watch = () => this.readers.delete(brokerId);
      this.readerWatchers.set(brokerId, watch);
    }
    const children = await session.getChildren(this.znodes.brokerId(brokerId), watch);
    const master = children.includes('master') ? await session.getData(this.znodes.master(brokerId)) : undefined;
    if (master) return parseBrokerUrl(master);
    const slaves = children.filter((child) => /^slave\d+$/.test(child));
    const pick = slaves[Math.floor(Math.random() * slaves.length)];
    const url = pick === undefined ? undefined : await session.getData(`${this.znodes.brokerId(brokerId)}/${pick}`);
    return url ? parseBrokerUrl(url) : undefined;
  }

  broker(partition: Partition): BrokerAddress {
    const address = this.brokers.get(partition.brokerId);
    if (address === undefined) throw new ConnectionError(`no master is registered for broker ${partition.brokerId}`);
    return address;
  }

  async allBrokers(): Promise<BrokerAddress[]> {
    const session = await this.session();
    const urls = await Promise.all((await session.getChildren(this.znodes.brokerIds())).map((id) => session.getData(this.znodes.master(Number(id)))));
    return urls.filter((url): url is string => Boolean(url)).map((url) => parseBrokerUrl(url));
  }

  async close(): Promise<void> {
    await (await this.session()).close();
  }
}
