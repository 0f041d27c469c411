import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { TlsMaterial } from './config/tls-material.js';
import { loadTlsMaterial, tlsServerOptions } from './config/tls-material.js';
import { UserBook } from './auth/user-book.js';
import type { ListenerKind } from './connection.js';
import { replicationLinkOptions } from './replication/link-options.js';
import { DEFAULT_OPAQUE } from '../protocol/commands.js';
import { encodeResult } from '../protocol/encoder.js';
import { Status } from '../protocol/status.js';
import pino from 'pino';
import type { Logger } from 'pino';
import type { Clock } from '../common/clock.js';
import { DelayedMessages } from './delayed/delayed-messages.js';
import { deliverScheduled } from './delayed/deliver-scheduled.js';
import { TraceBook } from './tracing/trace-book.js';
import { systemClock } from '../common/clock.js';
import { IdGenerator } from '../common/id-generator.js';
import type { DiskSpace, FileIO } from '../storage/io/file-io.js';
import type { PartitionStore } from '../storage/partition-store.js';
import { NodeFileIO } from '../storage/io/node-file-io.js';
import { crc32 } from 'node:zlib';
import { ConfigError } from '../common/errors.js';
import { ZkSession } from '../coordination/zk/zk-session.js';
import { BrokerRegistration } from '../coordination/zk/broker-registration.js';
import type { RegisteredTopic } from '../coordination/zk/broker-registration.js';
import { MetaZnodes } from '../coordination/zk/znodes.js';
import type { BrokerContext } from './broker-context.js';
import { DEFAULT_LOGIN_BACKOFF, LoginBackoff } from './auth/login-backoff.js';
import { BufferPool } from '../common/buffer-pool.js';
import { ClosedPartitions } from './closed-partitions.js';
import type { BrokerConfig } from './config/broker-config.js';
import { BrokerConnection } from './connection.js';
import { ConnectionAdmission } from './connection-admission.js';
import { BodyBudget } from './body-budget.js';
import { PartitionStores } from './partition-stores.js';
import { BrokerCounters } from './stats/broker-counters.js';
import { RealtimeStats } from './stats/realtime-stats.js';
import type { StatsSources } from './stats/stats-report.js';
import { TransactionManager } from './transactions/transaction-manager.js';
import { Failover } from './replication/failover.js';
import { Replication } from './replication/replication.js';
import { SyncMaster } from './replication/sync-master.js';
import { AsyncSlave } from './replication/async-slave.js';
import { withMasterTopics } from './config/topic-sections.js';
import { writeFileAtomically } from '../storage/atomic-file.js';
import { PartitionTraffic } from './stats/partition-traffic.js';
import { ConsumerPositions } from './stats/consumer-positions.js';
import { loadBrokerConfig } from './config/load-config.js';
import { runLocally } from './local-requests.js';
import type { LocalReply, LocalRequest } from './local-requests.js';
import type { TopicConfig } from './config/broker-config.js';
import { parseBrokerConfig } from './config/broker-config.js';
import { Quotas } from './quotas/quotas.js';

/** Pooled set bodies: the client library's largest set (`maxBatchBytes`); larger ones are allocated. */
const SET_BODY_BYTES = 256 * 1024;
/** Idle set bodies kept: sets waiting for one write of a busy partition are many at once. */
const IDLE_SET_BODIES = 64;

/**
 * Close a plaintext connection over a connection limit at once, with a reply saying why; the
 * connections already open are not touched.
 */
function refuseWithReply(socket: Socket, reason: string): void {
  socket.end(encodeResult(Status.serviceUnavailable, DEFAULT_OPAQUE, `${reason}; close connections you do not need, or use another broker`), () => socket.destroy());
}

/** What `version` answers: MetaQ's protocol version and ours. */
export const BROKER_VERSION = '1.4.6.3-metaq-0.1.0';

/** What a topic reload changed (docs/operations.md). */
export interface TopicReload {
  added: string[];
  changed: string[];
  removed: string[];
  /** Sections that differ from the running config: they take effect only after a restart. */
  needRestart: string[];
}

function comparableTopic(topic: TopicConfig): unknown {
  return { ...topic, filters: [...topic.filters] };
}

export interface BrokerOptions {
  config: BrokerConfig;
  io?: FileIO;
  logger?: Logger;
  clock?: Clock;
  /** Address to listen on; defaults to the config's hostName. */
  host?: string;
}

/**
 * The composition root: loads the partition stores, listens for clients, and shuts down in
 * order (stop accepting, finish in-flight requests, flush, close). Tests and the CLI start the
 * same class.
 */
export class Broker {
  /** The broker port: TLS when `[tls]` has a certificate. */
  private readonly server: Server;
  /** `[tls] plainPort`: plaintext beside TLS, for clients that cannot speak it. */
  private readonly plainServer: Server | undefined;
  /** `[auth] legacyPort`: plaintext, no login, for old MetaQ clients. */
  private readonly legacyServer: Server | undefined;
  private readonly connections = new Set<BrokerConnection>();
  /** Connection limits and TLS handshake times on the broker's ports. */
  private readonly admission: ConnectionAdmission;
  readonly stores: PartitionStores;
  readonly closedPartitions = new ClosedPartitions();
  readonly counters = new BrokerCounters();
  /** Failed logins per client address, on the broker port and the HTTP front end alike. */
  readonly loginBackoff: LoginBackoff;
  readonly traffic = new PartitionTraffic();
  readonly positions = new ConsumerPositions();
  readonly quotas: Quotas;
  /** Memory request bodies may hold while they arrive (`maxBodyBytesInFlight`). */
  readonly bodyBudget: BodyBudget;
  readonly realtime: RealtimeStats;
  readonly startedAtMs: number;
  readonly logger: Logger;
  private readonly context: BrokerContext;
  private stopping: Promise<void> | undefined;
  private zk: { session: ZkSession; znodes: MetaZnodes; registration: BrokerRegistration | undefined; failover: Failover | undefined } | undefined;
  readonly replication: Replication;

  private constructor(
    readonly config: BrokerConfig,
    logger: Logger,
    clock: Clock,
    stores: PartitionStores,
    readonly transactions: TransactionManager,
    private readonly io: FileIO,
    readonly delayed: DelayedMessages,
    readonly traces: TraceBook | undefined,
    /** This broker's TLS identity (`[tls]`), also used by the HTTP server and replication links. */
    readonly tls: TlsMaterial | undefined,
    /** The users and their rights (`[auth] enabled=true`). */
    readonly users: UserBook | undefined,
  ) {
    this.logger = logger;
    this.stores = stores;
    this.replication = new Replication(config.replication, config.system.brokerId);
    this.realtime = new RealtimeStats(clock);
    // The address-wide count is 20 times the per-name one: a host's users may each mistype a few
    // times in a minute without locking each other out; one address guessing names may not.
    this.loginBackoff = new LoginBackoff({ ...DEFAULT_LOGIN_BACKOFF, freeFailures: config.auth.loginFailuresBeforeBackoff, addressFreeFailures: 20 * config.auth.loginFailuresBeforeBackoff, maxBlockMs: config.auth.loginBackoffMaxMs });
    this.startedAtMs = clock.wallMs();
    if (config.replication.role === 'master' && config.replication.slave !== '') {
      // Before listening: no put may be acked without the slave.
      const replication = this.replication;
      this.replication.syncMaster = new SyncMaster(config.replication, stores, logger, replicationLinkOptions(this.tls, config.auth), {
        withdraw: async () => this.zk?.registration?.unregister(),
        rejoin: async () => {
          if (this.zk?.registration !== undefined && replication.demotedBecause === undefined) await this.registerAll(this.zk.registration);
        },
      });
      transactions.waitReplicated = (log, end) => replication.syncMaster?.replicated(log, end) ?? Promise.resolve();
    }
    this.bodyBudget = new BodyBudget(config.system.maxBodyBytesInFlight);
    this.admission = new ConnectionAdmission(config.system, this.counters, logger, (open) => (this.counters.currentConnections = open));
    const accept = (socket: Socket, listener: ListenerKind = {}): void => {
      this.connections.add(new BrokerConnection(socket, this.context, (closed) => this.connections.delete(closed), listener));
    };
    const acceptPlain = (socket: Socket, listener: ListenerKind = {}): void => {
      if (this.admission.admit(socket, refuseWithReply)) accept(socket, listener);
    };
    if (tls === undefined) this.server = createServer((socket) => acceptPlain(socket));
    else {
      // Admitted and timed from the first byte of the handshake (the admission), served once it finished.
      this.server = createTlsServer(tlsServerOptions(tls), (socket) => accept(socket));
      this.admission.guardTls(this.server);
      // A failed handshake (wrong CA, no client certificate, plaintext on the TLS port) touches no one else.
      this.server.on('tlsClientError', (error: Error, socket: Socket) => {
        this.counters.tlsHandshakeFailures += 1;
        logger.info({ component: 'broker', remote: socket.remoteAddress, reason: error.message }, 'TLS handshake failed');
        socket.destroy();
      });
    }
    this.plainServer = config.tls.plainPort > 0 ? createServer((socket) => acceptPlain(socket)) : undefined;
    const legacyUser = config.auth.legacyUser;
    this.legacyServer = users !== undefined && config.auth.legacyPort > 0 ? createServer((socket) => acceptPlain(socket, { legacyUser })) : undefined;
    this.quotas = new Quotas(clock);
    this.context = {
      config,
      stores: this.stores,
      transactions,
      replication: this.replication,
      ids: new IdGenerator(config.system.brokerId, clock),
      closed: this.closedPartitions,
      counters: this.counters,
      realtime: this.realtime,
      traffic: this.traffic,
      positions: this.positions,
      quotas: this.quotas,
      delayed,
      traces,
      users,
      loginBackoff: this.loginBackoff,
      readBuffers: new BufferPool(config.system.maxTransferSize),
      setBodies: new BufferPool(SET_BODY_BYTES, IDLE_SET_BODIES),
      bodyBudget: this.bodyBudget,
      logger,
      clock,
      version: BROKER_VERSION,
      startedAtMs: this.startedAtMs,
      fencedBecause: () => this.replication.refusal() ?? (this.zk && !this.zk.session.healthy ? 'this broker lost its ZooKeeper session and is not acting as master until it re-registers; send to another broker or retry' : undefined),
      url: () => `meta://${config.system.hostName}:${this.port}`,
      port: () => this.port,
    };
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

  static async start(options: BrokerOptions): Promise<Broker> {
    const logger = options.logger ?? pino({ level: process.env.METAQ_LOG_LEVEL ?? 'info' });
    const io = options.io ?? new NodeFileIO();
    const clock = options.clock ?? systemClock;
    const stores = new PartitionStores(options.config, io, logger, clock);
    await stores.loadAll();
    // Transactions are replayed onto loaded stores before anyone can read or write them.
    const transactions = await TransactionManager.open({ config: options.config, stores, io, logger }).catch(async (error: unknown) => {
      await stores.close();
      throw error;
    });
    const { system } = options.config;
    const loadSecurity = async (): Promise<[TlsMaterial | undefined, UserBook | undefined]> => {
      const auth = options.config.auth;
      const users = auth.enabled ? await UserBook.open(io, auth.usersFile) : undefined;
      if (users !== undefined && auth.legacyPort > 0 && users.get(auth.legacyUser) === undefined) logger.warn({ component: 'broker', legacyUser: auth.legacyUser }, '[auth] legacyUser is not a user yet: old clients on legacyPort are refused everything until it is added');
      return [await loadTlsMaterial(options.config.tls, io), users];
    };
    const [tlsMaterial, users] = await loadSecurity().catch(async (error: unknown) => {
      await transactions.close();
      await stores.close();
      throw error;
    });
    const delayed = await DelayedMessages.open({ dataPath: system.dataPath, io, logger, clock, unflushThreshold: system.unflushThreshold, unflushInterval: system.unflushInterval, maxSegmentSize: system.maxSegmentSize }).catch(async (error: unknown) => {
      await transactions.close();
      await stores.close();
      throw error;
    });
    // Tracing is opened only where a topic asks for it (a config reload cannot turn it on).
    const tracing = system.trace || options.config.topics.some((topic) => topic.trace === true);
    const traces = !tracing
      ? undefined
      : await TraceBook.open(io, system.dataPath, clock, system.traceMaxMessages, logger).catch(async (error: unknown) => {
          await delayed.close();
          await transactions.close();
          await stores.close();
          throw error;
        });
    const broker = new Broker(options.config, logger, clock, stores, transactions, io, delayed, traces, tlsMaterial, users);
    if (traces !== undefined) broker.traceTopics(traces);
    broker.stores.scheduleRetention();
    // A slave keeps its own schedule but delivers nothing: its partitions are written by its master.
    if (options.config.replication.role !== 'sync-slave' && options.config.replication.role !== 'async-slave') delayed.start((scheduled) => deliverScheduled(broker.context, scheduled));
    const host = options.host ?? options.config.system.hostName;
    const listen = (server: Server, port: number): Promise<void> =>
      new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
    await (async () => {
      await listen(broker.server, options.config.system.serverPort);
      if (broker.plainServer !== undefined) await listen(broker.plainServer, options.config.tls.plainPort);
      if (broker.legacyServer !== undefined) await listen(broker.legacyServer, options.config.auth.legacyPort);
    })().catch(async (error: unknown) => {
      await broker.stop(); // the port is taken: release the journal and the stores before reporting
      throw error;
    });
    const clustered = options.config.zookeeper.configured && options.config.zookeeper['zk.zkEnable'];
    try {
      if (clustered) await broker.joinCluster();
      else if (options.config.replication.role === 'async-slave') throw new ConfigError('[replication] role=async-slave finds its master in ZooKeeper; configure [zookeeper] zk.zkConnect (or pass --zk)');
      else if (options.config.replication.autoPromote) throw new ConfigError('[replication] autoPromote watches the master in ZooKeeper; configure [zookeeper] zk.zkConnect (or pass --zk)');
    } catch (error) {
      await broker.stop(); // release the port, the stores and the session before reporting
      throw error;
    }
    logger.info({ component: 'broker', url: broker.context.url(), dataPath: options.config.system.dataPath, zookeeper: broker.zk ? options.config.zookeeper['zk.zkConnect'] : undefined }, 'broker started');
    return broker;
  }

  /**
   * Join the cluster in ZooKeeper (docs/cluster.md): a master registers itself, every configured topic and
   * every stored one; a replicated master first checks it still owns its broker id's epoch; a
   * sync slave waits to be promoted.
   */
  private async joinCluster(): Promise<void> {
    const zk = this.config.zookeeper;
    const session = await ZkSession.open({ connect: zk['zk.zkConnect'], sessionTimeoutMs: zk['zk.zkSessionTimeoutMs'], connectionTimeoutMs: zk['zk.zkConnectionTimeoutMs'] });
    const znodes = new MetaZnodes(zk['zk.zkRoot']);
    const replicated = this.replication.syncMaster !== undefined || this.replication.role === 'sync-slave';
    const failover = replicated ? new Failover(session, znodes, this.config.system.brokerId, this.url, { promoted: (epoch) => this.promoted(epoch), demoted: (reason) => this.demoted(reason) }, this.logger) : undefined;
    this.zk = { session, znodes, registration: undefined, failover };
    session.on('lost', () => this.logger.error({ component: 'zookeeper' }, 'ZooKeeper session may be lost: refusing puts until re-registered'));
    session.on('established', () => this.logger.info({ component: 'zookeeper' }, 'new ZooKeeper session: registered again'));
    try {
      if (this.replication.role === 'sync-slave') {
        if (await failover!.startAsSlave(this.config.replication.autoPromote)) await this.promoted(failover!.epoch!);
        return;
      }
      if (this.replication.role === 'async-slave') {
        await this.startAsyncSlave();
        return;
      }
      if (failover !== undefined) {
        await failover.startAsMaster();
        this.replication.epoch = failover.epoch;
      }
      await this.registerAsMaster();
    } catch (error) {
      failover?.close();
      this.zk = undefined;
      await session.close();
      throw error;
    }
  }

  /** Register as `slave<n>` and copy every partition of the master with the same broker id (docs/replication.md). */
  private async startAsyncSlave(): Promise<void> {
    const zk = this.zk!;
    const registration = new BrokerRegistration(zk.session, zk.znodes, this.config.system.brokerId, this.url, { kind: 'slave', slaveId: this.config.replication.slaveId });
    zk.registration = registration;
    await registration.register();
    const slave = new AsyncSlave({
      session: zk.session,
      znodes: zk.znodes,
      config: this.config,
      stores: this.stores,
      registration,
      logger: this.logger,
      link: replicationLinkOptions(this.tls, this.config.auth),
      copied: (topic, records, bytes) => {
        this.counters.cmdPut += records;
        if (this.stores.settings(topic)?.stat) {
          this.context.realtime.record('put_slave', topic, records);
          this.context.realtime.record('message_size', topic, bytes);
        }
      },
      applyMasterConfig: (text) => this.applyMasterTopics(text),
    });
    this.replication.asyncSlave = slave;
    await slave.start();
  }

  /** autoSyncMasterConfig: take the master's topic sections, on disk and in memory (docs/replication.md). */
  private async applyMasterTopics(masterText: string): Promise<void> {
    const updated = withMasterTopics(this.config, masterText);
    if (updated === undefined) return;
    if (this.config.file !== undefined) await writeFileAtomically(this.io, this.config.file, Buffer.from(updated.text, 'utf8'));
    await this.applyTopics(updated.topics, updated.text);
    this.logger.info({ component: 'replication', file: this.config.file }, 'took the master\'s topic configuration');
  }

  /**
   * Re-read the `[topic=…]` sections of server.ini (docs/operations.md): new and changed topics take effect
   * without a restart (settings, retention and flush schedules, ZooKeeper registration and
   * config checksum). Other sections need a restart and are reported, not applied. A file that
   * does not parse changes nothing.
   */
  async reloadTopics(): Promise<TopicReload> {
    if (this.config.file === undefined) throw new ConfigError('this broker was started without a config file (built-in defaults); there is nothing to reload. Start it with --config FILE');
    const fresh = await loadBrokerConfig(this.config.file, this.io);
    const loaded = parseBrokerConfig(this.config.text, this.config.file);
    const before = new Map(this.config.topics.map((t) => [t.name, JSON.stringify(comparableTopic(t))]));
    const after = new Map(fresh.topics.map((t) => [t.name, JSON.stringify(comparableTopic(t))]));
    const reload: TopicReload = {
      added: [...after.keys()].filter((name) => !before.has(name)),
      changed: [...after.keys()].filter((name) => before.has(name) && before.get(name) !== after.get(name)),
      removed: [...before.keys()].filter((name) => !after.has(name)),
      // Compared with the text as loaded, so command-line overrides (--port, --data) do not count as edits.
      needRestart: (['system', 'zookeeper', 'replication', 'http'] as const).filter((section) => JSON.stringify(fresh[section]) !== JSON.stringify(loaded[section])),
    };
    await this.applyTopics(fresh.topics, fresh.text);
    this.logger.info({ component: 'config', file: this.config.file, ...reload }, 'topic configuration reloaded');
    return reload;
  }

  private async applyTopics(topics: TopicConfig[], text: string): Promise<void> {
    this.config.topics = topics;
    this.config.text = text;
    await this.stores.settingsChanged();
    const registration = this.zk?.registration;
    if (registration !== undefined && this.replication.role === 'master' && !registration.isWithdrawn) {
      await registration.updateConfigChecksum(crc32(Buffer.from(text, 'utf8')));
      await this.registerAll(registration);
    }
  }

  /** Run a put, get or offset as if it came over the wire (the HTTP front end, docs/operations.md). */
  request(command: LocalRequest, client: string): Promise<LocalReply> {
    return runLocally(this.context, command, client);
  }

  /** Open client connections per client IP address, most first. */
  connectionsByAddress(): Array<{ address: string; connections: number }> {
    const counts = new Map<string, number>();
    for (const connection of this.connections) counts.set(connection.remoteAddress, (counts.get(connection.remoteAddress) ?? 0) + 1);
    return [...counts].map(([address, connections]) => ({ address, connections })).sort((a, b) => b.connections - a.connections);
  }

  /** Size and free space where this broker keeps data: the default dataPath and every topic's own. */
  async diskSpace(): Promise<Array<{ path: string } & DiskSpace>> {
    const paths = new Set([this.config.system.dataPath]);
    for (const topic of this.config.topics) {
      const settings = this.stores.settings(topic.name);
      if (settings !== undefined) paths.add(settings.dataPath);
    }
    const known = await Promise.all([...paths].map(async (path) => ((await this.io.stat(path)) === undefined ? undefined : { path, ...(await this.io.diskSpace(path)) })));
    return known.filter((space) => space !== undefined);
  }

  /** What `stats` reports from (the admin API prints the same text). */
  get statsSources(): StatsSources {
    return this.context;
  }

  /** The ZooKeeper session and znode paths in cluster mode, for the admin API's cluster views. */
  get cluster(): { session: ZkSession; znodes: MetaZnodes } | undefined {
    return this.zk === undefined ? undefined : { session: this.zk.session, znodes: this.zk.znodes };
  }

  private async registerAsMaster(): Promise<void> {
    const zk = this.zk!;
    const registration = new BrokerRegistration(zk.session, zk.znodes, this.config.system.brokerId, this.url, { kind: 'master', configChecksum: crc32(Buffer.from(this.config.text, 'utf8')) }, zk.failover?.checkStillMaster);
    zk.registration = registration;
    await this.registerAll(registration);
    this.stores.created.add((topic) => void registration.registerTopic(this.topicRegistration(topic)).catch((error: unknown) => this.logger.warn({ err: error, topic }, 'could not register topic in ZooKeeper')));
  }

  /** This sync slave was promoted: frames from the old master are refused, and it registers and acts as master. */
  private async promoted(epoch: number): Promise<void> {
    const replication = this.replication;
    if (replication.syncSlave !== undefined) replication.syncSlave.promotedAt = epoch;
    replication.epoch = epoch;
    replication.role = 'master';
    await this.registerAsMaster();
    this.logger.warn({ component: 'failover', epoch, url: this.url }, 'acting as master: puts are acknowledged without a slave until one is configured');
  }

  /** Another broker took over this broker id: stop acking, stop replicating, leave ZooKeeper. */
  private async demoted(reason: string): Promise<void> {
    if (this.replication.demotedBecause !== undefined) return;
    this.replication.demotedBecause = reason;
    this.logger.error({ component: 'failover', reason }, 'replaced as master: refusing puts');
    await this.replication.syncMaster?.close(reason);
    await this.zk?.registration?.unregister().catch((error: unknown) => this.logger.warn({ err: error }, 'could not leave ZooKeeper'));
  }

  private registerAll(registration: BrokerRegistration): Promise<void> {
    const names = new Set([...this.config.topics.filter((t) => !t.name.includes('*')).map((t) => t.name), ...this.stores.all().keys()]);
    return registration.register([...names].map((topic) => this.topicRegistration(topic)));
  }

  private topicRegistration(topic: string): RegisteredTopic {
    const settings = this.stores.settings(topic) ?? this.config.system;
    return { topic, numPartitions: settings.numPartitions, acceptPublish: settings.acceptPublish, acceptSubscribe: settings.acceptSubscribe };
  }

  get port(): number {
    return (this.server.address() as AddressInfo | null)?.port ?? this.config.system.serverPort;
  }

  get url(): string {
    return this.context.url();
  }

  /** The port for old MetaQ clients (`[auth] legacyPort`), if there is one. */
  get legacyPort(): number | undefined {
    return (this.legacyServer?.address() as AddressInfo | null | undefined)?.port;
  }

  /** The plaintext port beside TLS (`[tls] plainPort`), if there is one. */
  get plainPort(): number | undefined {
    return (this.plainServer?.address() as AddressInfo | null | undefined)?.port;
  }

  /** Stop accepting, finish in-flight requests, flush and close every store. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.logger.info({ component: 'broker' }, 'stopping');
      if (this.zk) {
        // Leave ZooKeeper first and give clients zkSyncTimeMs to move away (docs/cluster.md). With the
        // session lost there is nothing to leave: its ephemeral nodes go with it.
        this.zk.failover?.close();
        if (this.zk.session.healthy && this.zk.registration !== undefined) {
          const unregistered = this.zk.registration.unregister().catch((error: unknown) => this.logger.warn({ err: error }, 'could not unregister from ZooKeeper'));
          await Promise.race([unregistered, new Promise((resolve) => setTimeout(resolve, this.zk!.session.timeoutMs).unref())]);
          await new Promise((resolve) => setTimeout(resolve, this.config.zookeeper['zk.zkSyncTimeMs']));
        }
        await this.zk.session.close();
      }
      const closed = Promise.all([this.server, this.plainServer, this.legacyServer].map((server) => new Promise<void>((resolve) => (server?.listening === true ? server.close(() => resolve()) : resolve()))));
      this.admission.closeHandshakes(); // else server.close() waits for them until handshakeTimeoutMs
      await Promise.all([...this.connections].map((connection) => connection.drainAndClose()));
      await closed;
      await this.replication.syncMaster?.close();
      await this.replication.asyncSlave?.close();
      await this.delayed.close();
      await this.traces?.close();
      await this.transactions.close();
      await this.stores.close();
      this.logger.info({ component: 'broker' }, 'stopped');
    })();
    return this.stopping;
  }
}
