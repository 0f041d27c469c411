import { MetaqError } from '../../common/errors.js';
import type { ZkSession } from './zk-session.js';
import { isNodeExists } from './zk-session.js';
import type { MetaZnodes } from './znodes.js';
import { topicBrokerJson } from './znodes.js';

export interface RegisteredTopic {
  topic: string;
  numPartitions: number;
  acceptPublish: boolean;
  acceptSubscribe: boolean;
}

/**
 * A master broker's presence in ZooKeeper (§3.2): `/brokers/ids/<id>` (URL, persistent),
 * its ephemeral `master` and `master_config_checksum`, and for every topic the legacy node and
 * the topics-pub / topics-sub JSON. A second live broker with the same id is refused, never
 * overwritten. After a new session everything is registered again.
 */
export class BrokerRegistration {
  private readonly topics = new Map<string, RegisteredTopic>();

  constructor(
    private readonly session: ZkSession,
    private readonly znodes: MetaZnodes,
    private readonly brokerId: number,
    private readonly url: string,
    private readonly configChecksum: number,
  ) {
    session.on('established', () => void this.register().catch(() => undefined));
  }

  async register(topics: Iterable<RegisteredTopic> = []): Promise<void> {
    for (const topic of topics) this.topics.set(topic.topic, topic);
    const idPath = this.znodes.brokerId(this.brokerId);
    await this.session.ensure(idPath);
    await this.session.setData(idPath, this.url);
    try {
      await this.session.create(this.znodes.master(this.brokerId), this.url, 'ephemeral');
    } catch (error) {
      if (isNodeExists(error)) {
        const holder = await this.session.getData(this.znodes.master(this.brokerId));
        if (holder !== this.url) throw new MetaqError('BROKER_ID_TAKEN', `another live broker (${holder}) is registered with brokerId ${this.brokerId}; give each master its own brokerId`);
      } else throw error;
    }
    await this.createOrSet(this.znodes.configChecksum(this.brokerId), String(this.configChecksum));
    for (const topic of this.topics.values()) await this.registerTopicNodes(topic);
  }

  /** Register a topic created on the fly (first put to a wildcard topic). */
  async registerTopic(topic: RegisteredTopic): Promise<void> {
    if (this.topics.has(topic.topic)) return;
    this.topics.set(topic.topic, topic);
    await this.registerTopicNodes(topic);
  }

  private async registerTopicNodes(topic: RegisteredTopic): Promise<void> {
    await this.createOrSet(this.znodes.legacyTopic(topic.topic, this.brokerId), String(topic.numPartitions));
    const child = `${this.brokerId}-m`;
    const json = topicBrokerJson(topic.numPartitions, this.brokerId);
    if (topic.acceptPublish) await this.createOrSet(`${this.znodes.topicsPub(topic.topic)}/${child}`, json);
    if (topic.acceptSubscribe) await this.createOrSet(`${this.znodes.topicsSub(topic.topic)}/${child}`, json);
  }

  private async createOrSet(path: string, data: string): Promise<void> {
    try {
      await this.session.create(path, data, 'ephemeral');
    } catch (error) {
      if (!isNodeExists(error)) throw error;
      await this.session.setData(path, data);
    }
  }

  /** Remove this broker's ephemeral nodes so clients move away before it stops. */
  async unregister(): Promise<void> {
    const child = `${this.brokerId}-m`;
    for (const topic of this.topics.keys()) {
      await this.session.remove(this.znodes.legacyTopic(topic, this.brokerId));
      await this.session.remove(`${this.znodes.topicsPub(topic)}/${child}`);
      await this.session.remove(`${this.znodes.topicsSub(topic)}/${child}`);
    }
    await this.session.remove(this.znodes.configChecksum(this.brokerId));
    await this.session.remove(this.znodes.master(this.brokerId));
  }
}
