import { crc32 } from 'node:zlib';
import type { Logger } from 'pino';
import { ResourceStack } from '../common/resource-stack.js';
import { BrokerRegistration } from '../coordination/zk/broker-registration.js';
import type { RegisteredTopic } from '../coordination/zk/broker-registration.js';
import { ZkSession } from '../coordination/zk/zk-session.js';
import { MetaZnodes } from '../coordination/zk/znodes.js';
import type { BrokerConfig } from './config/broker-config.js';
import type { PartitionStores } from './partition-stores.js';
import { Failover } from './replication/failover.js';
import type { Replication } from './replication/replication.js';

export interface MembershipOptions {
  config: BrokerConfig;
  stores: PartitionStores;
  replication: Replication;
  logger: Logger;
  /** `meta://host:port` as registered. */
  url: string;
  /** How many of a topic's configured partitions are registered: fewer while its last ones move away (docs/cluster.md). */
  registeredCount(topic: string, configured: number): number;
  /** Take part in online partition moves, once registered as master; returns what stops it. */
  startMoves(membership: ClusterMembership): Promise<{ close(): Promise<void> }>;
  /** Start copying the master's partitions, once registered as an async slave (docs/replication.md). */
  startAsyncSlave(session: ZkSession, znodes: MetaZnodes, registration: BrokerRegistration): Promise<void>;
}

/**
 * This broker in ZooKeeper (docs/cluster.md): the session, the registration as master (with every
 * topic it serves) or as slave, the failover epoch of a replicated broker id, and what a lost
 * session means for puts.
 */
export class ClusterMembership {
  private registration: BrokerRegistration | undefined;
  private failover: Failover | undefined;
  private moves: { close(): Promise<void> } | undefined;

  private constructor(
    readonly session: ZkSession,
    readonly znodes: MetaZnodes,
    private readonly options: MembershipOptions,
  ) {}

  /**
   * Join the cluster: a master registers itself, every configured topic and every stored one; a
   * replicated master first checks it still owns its broker id's epoch; a sync slave waits to be
   * promoted. `opened` sees the membership as soon as the session is open (the sync master's
   * presence hooks and the put fence consult it while it registers). A failed step closes the
   * session before the error is rethrown.
   */
  static async join(options: MembershipOptions, opened: (membership: ClusterMembership) => void): Promise<ClusterMembership> {
    const zk = options.config.zookeeper;
    const joining = new ResourceStack((name, error) =>
      options.logger.warn({ component: 'zookeeper', err: error, resource: name }, 'could not undo a step of joining the cluster'),
    );
    const session = await joining.acquire(
      'ZooKeeper session',
      () => ZkSession.open({ connect: zk['zk.zkConnect'], sessionTimeoutMs: zk['zk.zkSessionTimeoutMs'], connectionTimeoutMs: zk['zk.zkConnectionTimeoutMs'] }),
      (opened) => opened.close(),
    );
    const membership = new ClusterMembership(session, new MetaZnodes(zk['zk.zkRoot']), options);
    opened(membership);
    joining.defer('failover watch', () => membership.failover?.close());
    await joining.acquire('registration', () => membership.register());
    return membership;
  }

  private async register(): Promise<void> {
    const { config, replication, logger, url } = this.options;
    const state = replication.roleState;
    const failover =
      state === 'sync-master' || state === 'sync-slave'
        ? new Failover(
            this.session,
            this.znodes,
            config.system.brokerId,
            url,
            { promoted: (epoch) => this.promoted(epoch), demoted: (reason) => this.demoted(reason) },
            logger,
          )
        : undefined;
    this.failover = failover;
    this.session.on('lost', () => logger.error({ component: 'zookeeper' }, 'ZooKeeper session may be lost: refusing puts until re-registered'));
    this.session.on('established', () => logger.info({ component: 'zookeeper' }, 'new ZooKeeper session: registered again'));
    if (state === 'sync-slave') {
      if (await failover!.startAsSlave(config.replication.autoPromote)) await this.promoted(failover!.epoch!);
      return;
    }
    if (state === 'async-slave') {
      await this.registerAsAsyncSlave();
      return;
    }
    if (failover !== undefined) {
      await failover.startAsMaster();
      replication.claimEpoch(failover.epoch!);
    }
    await this.registerAsMaster();
  }

  /** Register as `slave<n>` and copy every partition of the master with the same broker id. */
  private async registerAsAsyncSlave(): Promise<void> {
    const { config, url } = this.options;
    const registration = new BrokerRegistration(this.session, this.znodes, config.system.brokerId, url, { kind: 'slave', slaveId: config.replication.slaveId });
    this.registration = registration;
    await registration.register();
    await this.options.startAsyncSlave(this.session, this.znodes, registration);
  }

  private async registerAsMaster(): Promise<void> {
    const { config, stores, logger, url } = this.options;
    const registration = new BrokerRegistration(
      this.session,
      this.znodes,
      config.system.brokerId,
      url,
      { kind: 'master', configChecksum: crc32(Buffer.from(config.text, 'utf8')) },
      this.failover?.checkStillMaster,
    );
    this.registration = registration;
    // Before registering: a partition that moved away while this broker was down must not be registered again.
    this.moves ??= await this.options.startMoves(this);
    await this.registerAll(registration);
    stores.created.add(
      (topic) => void this.reregister(topic).catch((error: unknown) => logger.warn({ err: error, topic }, 'could not register topic in ZooKeeper')),
    );
  }

  /** This sync slave was promoted: frames from the old master are refused, and it registers and acts as master. */
  private async promoted(epoch: number): Promise<void> {
    this.options.replication.promote(epoch);
    await this.registerAsMaster();
    this.options.logger.warn(
      { component: 'failover', epoch, url: this.options.url },
      'acting as master: puts are acknowledged without a slave until one is configured',
    );
  }

  /** Another broker took over this broker id: stop acking, stop replicating, leave ZooKeeper. */
  private async demoted(reason: string): Promise<void> {
    const { replication, logger } = this.options;
    if (!replication.fence(reason)) return;
    logger.error({ component: 'failover', reason }, 'replaced as master: refusing puts');
    await replication.syncMaster?.close(reason);
    await this.registration?.unregister().catch((error: unknown) => logger.warn({ err: error }, 'could not leave ZooKeeper'));
  }

  /** The sync master lost its slave: leave ZooKeeper so producers go elsewhere. */
  async withdraw(): Promise<void> {
    await this.registration?.unregister();
  }

  /** The sync master's slave caught up: register again, unless this broker was replaced meanwhile. */
  async rejoin(): Promise<void> {
    if (this.registration !== undefined && this.options.replication.demotedBecause === undefined) await this.registerAll(this.registration);
  }

  /** The topic sections changed (`text` is the new config): publish the checksum and every topic again. */
  async topicsChanged(text: string): Promise<void> {
    const registration = this.registration;
    if (registration !== undefined && this.options.replication.role === 'master' && !registration.isWithdrawn) {
      await registration.updateConfigChecksum(crc32(Buffer.from(text, 'utf8')));
      // Only the topics whose registration changed: a broker with 10,000 topics writes one znode per change, not 30,000.
      for (const topic of this.topicNames()) await this.reregister(topic);
    }
  }

  /** Register one topic again (its partitions moved): withdrawn when none are left here. */
  async reregister(topic: string): Promise<void> {
    const registration = this.registration;
    if (registration === undefined || registration.isWithdrawn) return;
    const current = this.topicRegistration(topic);
    if (current.numPartitions === 0) await registration.unregisterTopic(topic);
    else await registration.registerTopic(current);
  }

  /** A topic was deleted by an operator: withdraw its registration. */
  async topicWithdrawn(topic: string): Promise<void> {
    await this.registration?.unregisterTopic(topic);
  }

  /** Why puts are refused while the session may be lost, or undefined. */
  fencedBecause(): string | undefined {
    return this.session.healthy
      ? undefined
      : 'this broker lost its ZooKeeper session and is not acting as master until it re-registers; send to another broker or retry';
  }

  /**
   * Leave ZooKeeper and give clients zkSyncTimeMs to move away (docs/cluster.md). With the session
   * lost there is nothing to leave: its ephemeral nodes go with it.
   */
  async leave(): Promise<void> {
    await this.moves?.close();
    this.failover?.close();
    const registration = this.registration;
    if (this.session.healthy && registration !== undefined) {
      const unregistered = registration.unregister().catch((error: unknown) => this.options.logger.warn({ err: error }, 'could not unregister from ZooKeeper'));
      await Promise.race([unregistered, new Promise((resolve) => setTimeout(resolve, this.session.timeoutMs).unref())]);
      await new Promise((resolve) => setTimeout(resolve, this.options.config.zookeeper['zk.zkSyncTimeMs']));
    }
    await this.session.close();
  }

  private registerAll(registration: BrokerRegistration): Promise<void> {
    return registration.register([...this.topicNames()].map((topic) => this.topicRegistration(topic)).filter((t) => t.numPartitions > 0));
  }

  /** The topics this broker registers: every named section and every stored topic. */
  private topicNames(): Set<string> {
    const { config, stores } = this.options;
    return new Set([...config.topics.filter((t) => !t.name.includes('*')).map((t) => t.name), ...stores.all().keys()]);
  }

  private topicRegistration(topic: string): RegisteredTopic {
    const settings = this.options.stores.settings(topic) ?? this.options.config.system;
    return {
      topic,
      numPartitions: this.options.registeredCount(topic, settings.numPartitions),
      acceptPublish: settings.acceptPublish,
      acceptSubscribe: settings.acceptSubscribe,
    };
  }
}
