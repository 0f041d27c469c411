import pino from 'pino';
import type { Logger } from 'pino';
import type { Clock } from '../common/clock.js';
import { systemClock } from '../common/clock.js';
import { ConfigError } from '../common/errors.js';
import { ResourceStack } from '../common/resource-stack.js';
import type { DiskSpace, FileIO } from '../storage/io/file-io.js';
import { NodeFileIO } from '../storage/io/node-file-io.js';
import type { PartitionStore } from '../storage/partition-store.js';
import { writeFileAtomically } from '../storage/atomic-file.js';
import type { BrokerRegistration } from '../coordination/zk/broker-registration.js';
import type { ZkSession } from '../coordination/zk/zk-session.js';
import type { MetaZnodes } from '../coordination/zk/znodes.js';
import type { TlsMaterial } from './config/tls-material.js';
import type { BrokerConfig, TopicConfig } from './config/broker-config.js';
import { parseBrokerConfig } from './config/broker-config.js';
import { loadBrokerConfig, savedConfigPath } from './config/load-config.js';
import { withMasterTopics } from './config/topic-sections.js';
import type { UserBook } from './auth/user-book.js';
import type { LoginBackoff } from './auth/login-backoff.js';
import type { BrokerContext } from './broker-context.js';
import { buildBrokerContext } from './broker-context-builder.js';
import type { BrokerServices } from './broker-services.js';
import { openBrokerServices } from './broker-services.js';
import { BrokerListeners } from './listeners.js';
import { ClusterMembership } from './cluster-membership.js';
import type { MembershipOptions } from './cluster-membership.js';
import type { ClosedPartitions } from './closed-partitions.js';
import type { BodyBudget } from './body-budget.js';
import type { PartitionStores } from './partition-stores.js';
import type { Quotas } from './quotas/quotas.js';
import type { BrokerCounters } from './stats/broker-counters.js';
import type { RealtimeStats } from './stats/realtime-stats.js';
import type { PartitionTraffic } from './stats/partition-traffic.js';
import type { ConsumerPositions } from './stats/consumer-positions.js';
import type { StatsSources } from './stats/stats-report.js';
import type { TransactionManager } from './transactions/transaction-manager.js';
import type { DelayedMessages } from './delayed/delayed-messages.js';
import { deliverScheduled } from './delayed/deliver-scheduled.js';
import type { TraceBook } from './tracing/trace-book.js';
import { replicationLinkOptions } from './replication/link-options.js';
import type { PartitionMoves } from './moves/partition-moves.js';
import { startPartitionMoves } from './moves/start-moves.js';
import { Replication } from './replication/replication.js';
import { SyncMaster } from './replication/sync-master.js';
import { AsyncSlave } from './replication/async-slave.js';
import { runLocally } from './local-requests.js';
import type { LocalRequest } from './local-requests.js';
import type { Outcome } from './handlers/outcome.js';
import { topicReload } from './topic-reload.js';
import { TopicAdmin } from './topic-admin.js';
import { replicatedBecause } from './replica-check.js';
import { settleHostName } from './registered-host.js';
import type { TopicReload } from './topic-reload.js';

export type { TopicReload } from './topic-reload.js';

/** What `version` answers: MetaQ's protocol version and ours. */
export const BROKER_VERSION = '1.4.6.3-metaq-0.1.0';

export interface BrokerOptions {
  config: BrokerConfig;
  io?: FileIO;
  logger?: Logger;
  clock?: Clock;
  /** Address to listen on; defaults to the config's hostName. */
  host?: string;
}

/** Replication roles that find their master in ZooKeeper cannot start without it. */
function checkClusterConfig(config: BrokerConfig, clustered: boolean): void {
  if (clustered) return;
  if (config.replication.role === 'async-slave')
    throw new ConfigError('[replication] role=async-slave finds its master in ZooKeeper; configure [zookeeper] zk.zkConnect (or pass --zk)');
  if (config.replication.autoPromote)
    throw new ConfigError('[replication] autoPromote watches the master in ZooKeeper; configure [zookeeper] zk.zkConnect (or pass --zk)');
}

/**
 * The composition root: opens the broker's services, listens for clients and joins the cluster
 * through one resource stack, so a failed step releases what the earlier ones opened and `stop`
 * releases everything in reverse (leave ZooKeeper, stop accepting, finish in-flight requests,
 * close replication, flush and close the stores). Tests and the CLI start the same class.
 */
export class Broker {
  readonly stores: PartitionStores;
  readonly closedPartitions: ClosedPartitions;
  readonly counters: BrokerCounters;
  /** Failed logins per client address, on the broker port and the HTTP front end alike. */
  readonly loginBackoff: LoginBackoff;
  readonly traffic: PartitionTraffic;
  readonly positions: ConsumerPositions;
  readonly quotas: Quotas;
  /** Memory request bodies may hold while they arrive (`maxBodyBytesInFlight`). */
  readonly bodyBudget: BodyBudget;
  readonly realtime: RealtimeStats;
  readonly startedAtMs: number;
  readonly replication: Replication;
  readonly transactions: TransactionManager;
  readonly delayed: DelayedMessages;
  readonly traces: TraceBook | undefined;
  /** This broker's TLS identity (`[tls]`), also used by the HTTP server and replication links. */
  readonly tls: TlsMaterial | undefined;
  readonly users: UserBook | undefined; // [auth] enabled=true
  private readonly context: BrokerContext;
  private readonly listeners: BrokerListeners;
  /** Create, alter and delete topics at run time (docs/operations.md, topics). */
  readonly topicAdmin: TopicAdmin;
  private membership: ClusterMembership | undefined;
  /** Online partition moves (cluster mode, as master). */
  moves: PartitionMoves | undefined;
  /** The configuration change running now: changes to server.ini's topics are made one at a time. */
  private configChange: Promise<unknown> = Promise.resolve();
  private stopping: Promise<void> | undefined;
  /** Set once start finished: storage open, every client port accepting, the cluster joined. */
  private started = false;

  private constructor(
    readonly config: BrokerConfig,
    services: BrokerServices,
    private readonly io: FileIO,
    clock: Clock,
    readonly logger: Logger,
    private readonly resources: ResourceStack,
  ) {
    this.stores = services.stores;
    this.topicAdmin = new TopicAdmin({
      config,
      stores: this.stores,
      save: (text) => this.saveConfig(text),
      apply: (topics, text) => this.applyTopics(topics, text),
      withdrawTopic: async (topic) => this.membership?.topicWithdrawn(topic),
      serially: (change) => this.serially(change),
      transactionsHolding: (topic) => this.transactions.holding(topic),
      replicatedBecause: () => replicatedBecause(config, this.cluster),
    });
    this.transactions = services.transactions;
    this.delayed = services.delayed;
    this.traces = services.traces;
    this.tls = services.tls;
    this.users = services.users;
    this.replication = new Replication(config.replication, config.system.brokerId);
    const fencedBecause = (): string | undefined => this.replication.refusal() ?? this.membership?.fencedBecause();
    const context = buildBrokerContext({
      config,
      services,
      replication: this.replication,
      logger,
      clock,
      version: BROKER_VERSION,
      fencedBecause,
      port: () => this.port,
    });
    this.context = context;
    this.closedPartitions = context.closed;
    this.counters = context.counters;
    this.loginBackoff = context.loginBackoff;
    this.traffic = context.traffic;
    this.positions = context.positions;
    this.quotas = context.quotas;
    this.bodyBudget = context.bodyBudget;
    this.realtime = context.realtime;
    this.startedAtMs = context.startedAtMs;
    this.listeners = new BrokerListeners(config, this.context, this.tls);
    if (this.replication.roleState === 'sync-master') {
      // Before listening: no put may be acked without the slave.
      const syncMaster = new SyncMaster(config.replication, this.stores, logger, replicationLinkOptions(this.tls, config.auth), {
        withdraw: async () => this.membership?.withdraw(),
        rejoin: async () => this.membership?.rejoin(),
      });
      this.replication.attachSyncMaster(syncMaster);
      this.transactions.waitReplicated = (log, end) => syncMaster.replicated(log, end);
    }
  }

  static async start(options: BrokerOptions): Promise<Broker> {
    const { config } = options;
    const logger = options.logger ?? pino({ level: process.env.METAQ_LOG_LEVEL ?? 'info' });
    const io = options.io ?? new NodeFileIO(config.system.inlineWriteMaxBytes);
    const clock = options.clock ?? systemClock;
    const clustered = config.zookeeper.configured && config.zookeeper['zk.zkEnable'];
    checkClusterConfig(config, clustered);
    await settleHostName(config, clustered, logger);
    const resources = new ResourceStack((name, error) => logger.warn({ component: 'broker', err: error, resource: name }, 'could not release a resource'));
    const services = await openBrokerServices({ config, io, logger, clock }, resources);
    const broker = await resources.acquire('broker', () => new Broker(config, services, io, clock, logger, resources));
    resources.defer('replication links', () => broker.replication.close());
    broker.startSchedules();
    await resources.acquire(
      'client ports',
      () => broker.listeners.listen(options.host ?? config.system.hostName),
      () => broker.listeners.close(),
    );
    // The membership is the broker's from the moment its session opens: the put fence and the sync master consult it.
    if (clustered)
      await resources.acquire(
        'cluster membership',
        () => ClusterMembership.join(broker.membershipOptions(), (joined) => (broker.membership = joined)),
        (joined) => joined.leave(),
      );
    logger.info(
      { component: 'broker', url: broker.url, dataPath: config.system.dataPath, zookeeper: broker.membership ? config.zookeeper['zk.zkConnect'] : undefined },
      'broker accepting clients',
    );
    broker.started = true;
    return broker;
  }

  /** Traces, retention and delayed delivery: running before the ports open, stopped by their services' close. */
  private startSchedules(): void {
    if (this.traces !== undefined) this.traceTopics(this.traces);
    this.stores.scheduleRetention();
    this.stores.scheduleIdleCloses();
    // A slave keeps its own schedule but delivers nothing: its partitions are written by its master.
    const role = this.config.replication.role;
    if (role !== 'sync-slave' && role !== 'async-slave') this.delayed.start((scheduled) => deliverScheduled(this.context, scheduled));
  }

  /** Follow the writes of every partition of a traced topic, loaded now or created later. */
  private traceTopics(traces: TraceBook): void {
    const replication = this.replication;
    const whenReplicated = (log: PartitionStore, end: number, done: (error: string | undefined) => void): { slave: string } | undefined => {
      if (replication.syncMaster === undefined) return undefined;
      replication.syncMaster.whenReplicated(log, end, done);
      return { slave: this.config.replication.slave };
    };
    const follow = (topic: string, partition: number, log: PartitionStore): void => {
      if (this.stores.settings(topic)?.trace === true) traces.follow(log, topic, partition, whenReplicated);
    };
    for (const [topic, partitions] of this.stores.all()) for (const [partition, log] of partitions) follow(topic, partition, log);
    this.stores.created.add(follow);
  }

  private membershipOptions(): MembershipOptions {
    return {
      config: this.config,
      stores: this.stores,
      replication: this.replication,
      logger: this.logger,
      url: this.url,
      registeredCount: (topic, configured) => this.context.moveFences.registeredCount(topic, configured),
      startMoves: async (membership) => (this.moves = await startPartitionMoves(this, membership, this.context.moveFences)),
      startAsyncSlave: (session, znodes, registration) => this.startAsyncSlave(session, znodes, registration),
    };
  }

  /** Copy every partition of the master with the same broker id (docs/replication.md). */
  private async startAsyncSlave(session: ZkSession, znodes: MetaZnodes, registration: BrokerRegistration): Promise<void> {
    const slave = new AsyncSlave({
      session,
      znodes,
      config: this.config,
      stores: this.stores,
      registration,
      logger: this.logger,
      link: replicationLinkOptions(this.tls, this.config.auth),
      copied: (topic, records, bytes) => {
        this.counters.cmdPut += records;
        if (this.stores.settings(topic)?.stat) {
          this.realtime.record('put_slave', topic, records);
          this.realtime.record('message_size', topic, bytes);
        }
      },
      applyMasterConfig: (text) => this.applyMasterTopics(text),
    });
    this.replication.attachAsyncSlave(slave);
    await slave.start();
  }

  /** autoSyncMasterConfig: take the master's topic sections, on disk and in memory (docs/replication.md). */
  private applyMasterTopics(masterText: string): Promise<void> {
    return this.serially(() => this.applyMasterTopicsNow(masterText));
  }

  private async applyMasterTopicsNow(masterText: string): Promise<void> {
    const updated = withMasterTopics(this.config, masterText);
    if (updated === undefined) return;
    if (this.config.file !== undefined) await writeFileAtomically(this.io, this.config.file, Buffer.from(updated.text, 'utf8'));
    await this.applyTopics(updated.topics, updated.text);
    this.logger.info({ component: 'replication', file: this.config.file }, "took the master's topic configuration");
  }

  /**
   * Re-read the `[topic=…]` sections of server.ini (docs/operations.md, reload): new and changed
   * topics take effect without a restart (settings, retention and flush schedules, ZooKeeper
   * registration and config checksum). Other sections need a restart and are reported, not
   * applied. A file that does not parse changes nothing.
   */
  reloadTopics(): Promise<TopicReload> {
    return this.serially(() => this.reloadTopicsNow());
  }

  private async reloadTopicsNow(): Promise<TopicReload> {
    if (this.config.file === undefined)
      throw new ConfigError('this broker was started without a config file (built-in defaults); there is nothing to reload. Start it with --config FILE');
    const fresh = await loadBrokerConfig(this.config.file, this.io);
    const reload = topicReload(this.config, fresh, parseBrokerConfig(this.config.text, this.config.file));
    await this.applyTopics(fresh.topics, fresh.text);
    this.logger.info({ component: 'config', file: this.config.file, ...reload }, 'topic configuration reloaded');
    return reload;
  }

  private serially<T>(change: () => Promise<T>): Promise<T> {
    const run = this.configChange.then(change, change);
    this.configChange = run.catch(() => undefined);
    return run;
  }

  /**
   * Write a changed configuration where the next start reads it: the broker's server.ini, or for
   * a broker started without one, `<dataPath>/server.ini`, which `metaq start` reads when given
   * no --config (the built-in defaults with the change; docs/operations.md, topics).
   */
  private async saveConfig(text: string): Promise<string> {
    const file = this.config.file ?? savedConfigPath(this.config.system.dataPath);
    // An operator's edit since the broker read the file would be overwritten by this text: refuse instead.
    const onDisk = await this.io.readFile(file);
    if (onDisk !== undefined && onDisk.toString('utf8') !== this.config.text)
      throw new ConfigError(
        `${file} changed on disk since this broker read it; apply the edit first (metaq reload for topic sections, a restart for the rest), then repeat the change`,
      );
    // Keep the file's mode: a server.ini holding passwords may be readable by its owner only.
    const mode = (await this.io.stat(file))?.mode;
    await writeFileAtomically(this.io, file, Buffer.from(text, 'utf8'), mode === undefined ? undefined : mode & 0o777);
    this.config.file = file;
    return file;
  }

  private async applyTopics(topics: TopicConfig[], text: string): Promise<void> {
    this.config.topics = topics;
    this.config.text = text;
    await this.stores.settingsChanged();
    await this.membership?.topicsChanged(text);
  }

  /** Run a put, get or offset as if it came over the wire (the HTTP front end, docs/operations.md). */
  request(command: LocalRequest, client: string): Promise<Outcome> {
    return runLocally(this.context, command, client);
  }

  /** Open client connections per client IP address, most first. */
  connectionsByAddress(): Array<{ address: string; connections: number }> {
    return this.listeners.connectionsByAddress();
  }

  /** Size and free space where this broker keeps data: the default dataPath and every topic's own. */
  async diskSpace(): Promise<Array<{ path: string } & DiskSpace>> {
    const paths = new Set([this.config.system.dataPath]);
    for (const topic of this.config.topics) {
      const settings = this.stores.settings(topic.name);
      if (settings !== undefined) paths.add(settings.dataPath);
    }
    const known = await Promise.all(
      [...paths].map(async (path) => ((await this.io.stat(path)) === undefined ? undefined : { path, ...(await this.io.diskSpace(path)) })),
    );
    return known.filter((space) => space !== undefined);
  }

  /** What `stats` reports from (the admin API prints the same text). */
  get statsSources(): StatsSources {
    return this.context;
  }

  /** The ZooKeeper session and znode paths in cluster mode, for the admin API's cluster views. */
  get cluster(): { session: ZkSession; znodes: MetaZnodes } | undefined {
    return this.membership === undefined ? undefined : { session: this.membership.session, znodes: this.membership.znodes };
  }

  get port(): number {
    return this.listeners.port;
  }

  get url(): string {
    return this.context.url();
  }

  /** The port for old MetaQ clients (`[auth] legacyPort`), if there is one. */
  get legacyPort(): number | undefined {
    return this.listeners.legacyPort;
  }

  /** The plaintext port beside TLS (`[tls] plainPort`), if there is one. */
  get plainPort(): number | undefined {
    return this.listeners.plainPort;
  }

  /** Whether the broker serves clients: started (storage open, ports accepting) and not stopping. */
  get ready(): boolean {
    return this.started && this.stopping === undefined;
  }

  /** Release everything started, last first: leave ZooKeeper, drain connections, flush and close. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.logger.info({ component: 'broker' }, 'stopping');
      await this.resources.releaseAll();
      this.logger.info({ component: 'broker' }, 'stopped');
    })();
    return this.stopping;
  }
}
