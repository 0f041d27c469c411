import { MetaqError } from '../../common/errors.js';
import type { ZkSession } from './zk-session.js';
import type { MetaZnodes } from './znodes.js';
import { topicBrokerJson } from './znodes.js';

export interface RegisteredTopic {
  topic: string;
  numPartitions: number;
  acceptPublish: boolean;
  acceptSubscribe: boolean;
}

/** A master, or the async slave with this slaveId (docs/replication.md). */
export type RegisteredRole = { kind: 'master'; configChecksum: number } | { kind: 'slave'; slaveId: number };

/**
 * A broker's presence in ZooKeeper (docs/cluster.md). A master writes `/brokers/ids/<id>` (URL,
 * persistent), its ephemeral `master` and `master_config_checksum`, and for every topic the
 * legacy node and the topics-pub / topics-sub JSON as `<id>-m`. An async slave writes
 * `/brokers/ids/<id>/slave<n>` and its topics as `<id>-s<n>`. A second live broker in the same
 * place is refused, never overwritten. After a new session everything is registered again,
 * unless `guard` says this broker may no longer (a replaced master).
 */
export class BrokerRegistration {
  private readonly topics = new Map<string, RegisteredTopic>();
  private readonly member: string;
  private withdrawn = false;

  /** Left ZooKeeper on purpose (unregister); register() joins again. */
  get isWithdrawn(): boolean {
    return this.withdrawn;
  }

  constructor(
    private readonly session: ZkSession,
    private readonly znodes: MetaZnodes,
    private readonly brokerId: number,
    private readonly url: string,
    private readonly role: RegisteredRole,
    private readonly guard: () => Promise<void> = () => Promise.resolve(),
  ) {
    this.member = role.kind === 'master' ? 'm' : `s${role.slaveId}`;
    session.on('established', () => {
      if (!this.withdrawn) void this.register().catch(() => undefined);
    });
  }

  private get presence(): string {
    return this.role.kind === 'master' ? this.znodes.master(this.brokerId) : this.znodes.slave(this.brokerId, this.role.slaveId);
  }

  async register(topics: Iterable<RegisteredTopic> = []): Promise<void> {
    for (const topic of topics) this.topics.set(topic.topic, topic);
    await this.guard();
    this.withdrawn = false;
    const idPath = this.znodes.brokerId(this.brokerId);
    await this.session.ensure(idPath);
    if (this.role.kind === 'master') await this.session.setData(idPath, this.url);
    // Our own address under our id is this broker before a restart, not another one.
    const presence = await this.session.claimEphemeral(this.presence, this.url, (holder) => holder === this.url);
    if (!presence.claimed) {
      const what =
        this.role.kind === 'master'
          ? `brokerId ${this.brokerId}; give each master its own brokerId`
          : `brokerId ${this.brokerId} and slaveId ${this.role.slaveId}; give each slave of a master its own slaveId`;
      throw new MetaqError('BROKER_ID_TAKEN', `another live broker (${presence.holder}) is registered with ${what}`);
    }
    if (this.role.kind === 'master') await this.createOrSet(this.znodes.configChecksum(this.brokerId), String(this.role.configChecksum));
    for (const topic of this.topics.values()) await this.registerTopicNodes(topic);
  }

  /** Register a topic created on the fly (first put to a wildcard topic, a topic a slave starts copying), or one whose settings changed; unchanged ones cost nothing. */
  async registerTopic(topic: RegisteredTopic): Promise<void> {
    const known = this.topics.get(topic.topic);
    const same =
      known !== undefined &&
      known.numPartitions === topic.numPartitions &&
      known.acceptPublish === topic.acceptPublish &&
      known.acceptSubscribe === topic.acceptSubscribe;
    if (same) return;
    this.topics.set(topic.topic, topic);
    if (this.withdrawn) return;
    // A topic that stopped accepting publish or subscribe leaves that list, so clients stop using it here.
    const child = `${this.brokerId}-${this.member}`;
    if (known?.acceptPublish === true && !topic.acceptPublish) await this.session.remove(`${this.znodes.topicsPub(topic.topic)}/${child}`);
    if (known?.acceptSubscribe === true && !topic.acceptSubscribe) await this.session.remove(`${this.znodes.topicsSub(topic.topic)}/${child}`);
    await this.registerTopicNodes(topic);
  }

  /** Withdraw a deleted topic: clients stop sending to and fetching from this broker for it. */
  async unregisterTopic(topic: string): Promise<void> {
    if (!this.topics.delete(topic) || this.withdrawn) return;
    await this.removeTopicNodes(topic);
  }

  /** A new checksum after the configuration changed (the slave watches it; docs/replication.md). */
  async updateConfigChecksum(checksum: number): Promise<void> {
    if (this.role.kind !== 'master') return;
    this.role.configChecksum = checksum;
    if (!this.withdrawn) await this.createOrSet(this.znodes.configChecksum(this.brokerId), String(checksum));
  }

  private async registerTopicNodes(topic: RegisteredTopic): Promise<void> {
    await this.createOrSet(this.znodes.legacyTopic(topic.topic, this.brokerId, this.member), String(topic.numPartitions));
    const child = `${this.brokerId}-${this.member}`;
    const json = topicBrokerJson(topic.numPartitions, this.brokerId, this.member);
    if (topic.acceptPublish) await this.createOrSet(`${this.znodes.topicsPub(topic.topic)}/${child}`, json);
    if (topic.acceptSubscribe) await this.createOrSet(`${this.znodes.topicsSub(topic.topic)}/${child}`, json);
  }

  private async removeTopicNodes(topic: string): Promise<void> {
    const child = `${this.brokerId}-${this.member}`;
    await this.session.remove(this.znodes.legacyTopic(topic, this.brokerId, this.member));
    await this.session.remove(`${this.znodes.topicsPub(topic)}/${child}`);
    await this.session.remove(`${this.znodes.topicsSub(topic)}/${child}`);
  }

  /** This broker's own node (its id is in the path, and its presence is claimed first): taken from an earlier session of it. */
  private async createOrSet(path: string, data: string): Promise<void> {
    const claim = await this.session.claimEphemeral(path, data, () => true);
    if (!claim.claimed) throw new MetaqError('ZK_ERROR', `${path} is held by another session and could not be taken over`);
  }

  /**
   * Remove this broker's ephemeral nodes so clients move away (before it stops, or while a sync
   * master cannot reach its slave). A new session does not bring them back until `register`.
   */
  async unregister(): Promise<void> {
    this.withdrawn = true;
    for (const topic of this.topics.keys()) await this.removeTopicNodes(topic);
    if (this.role.kind === 'master') await this.session.remove(this.znodes.configChecksum(this.brokerId));
    await this.session.remove(this.presence);
  }
}
