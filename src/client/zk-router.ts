import type { ZkSession } from '../coordination/zk/zk-session.js';
import { MetaZnodes, parseTopicBroker } from '../coordination/zk/znodes.js';
import { ConnectionError } from './errors.js';
import type { Partition } from './message.js';
import type { PartitionRouter } from './partition-router.js';
import type { BrokerAddress } from './transport/broker-address.js';
import { parseBrokerUrl } from './transport/broker-address.js';

/**
 * Cluster-mode discovery (§3.3): a topic's partitions are the `-m` children of
 * `/brokers/topics-pub/<topic>` (JSON numParts), each broker's address is its
 * `/brokers/ids/<id>/master`, and the list is sorted by (brokerId, index). A ZooKeeper watch
 * drops the cached list on any change, so producers follow brokers that leave and return.
 */
export class ZkRouter implements PartitionRouter {
  readonly znodes: MetaZnodes;
  private readonly cache = new Map<string, readonly Partition[]>();
  private readonly brokers = new Map<number, BrokerAddress>();

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

  async partitions(topic: string): Promise<readonly Partition[]> {
    const known = this.cache.get(topic);
    if (known !== undefined) return known;
    const session = await this.session();
    const children = await session.getChildren(this.znodes.topicsPub(topic), () => this.cache.delete(topic));
    const partitions: Partition[] = [];
    for (const child of children) {
      const match = /^(\d+)-m$/.exec(child);
      if (match === null) continue; // slaves are never used by producers
      const brokerId = Number(match[1]);
      const info = parseTopicBroker((await session.getData(`${this.znodes.topicsPub(topic)}/${child}`)) ?? '');
      const url = await session.getData(this.znodes.master(brokerId));
      if (info === undefined || !url) continue;
      this.brokers.set(brokerId, parseBrokerUrl(url));
      for (let index = 0; index < info.numParts; index += 1) partitions.push({ brokerId, index });
    }
    partitions.sort((a, b) => a.brokerId - b.brokerId || a.index - b.index);
    this.cache.set(topic, partitions);
    return partitions;
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
