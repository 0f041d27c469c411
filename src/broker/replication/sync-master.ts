import type { Logger } from 'pino';
import type { ConnectionOptions } from '../../client/transport/broker-connection.js';
import { BrokerConnection } from '../../client/transport/broker-connection.js';
import { parseBrokerUrl } from '../../client/transport/broker-address.js';
import type { ReplicationConfig } from '../config/config-keys.js';
import type { PartitionStores } from '../partition-stores.js';
import type { PartitionStore } from '../../storage/partition-store.js';
import { StorageError } from '../../common/errors.js';
import type { CorruptRange } from '../../storage/segment.js';
import type { RepairTarget } from './corrupt-range-repair.js';
import { repairFromSlave } from './corrupt-range-repair.js';
import { ReplicaStream } from './replica-stream.js';

/** Fetches of a corrupt range from the slave before giving up (about five minutes with the back-off). */
const REPAIR_ATTEMPTS = 10;

/**
 * Test-only fault (the negative controls of fault tests N1 and N2): with this environment
 * variable set to `1` the master acknowledges a put once it is in its own log, without waiting
 * for the slave, which breaks sync replication. Never set it outside those tests.
 */
export const ACK_BEFORE_SLAVE_FAULT = 'METAQ_TEST_FAULT_ACK_BEFORE_SLAVE';

/** What the master does in ZooKeeper when its slave keeps failing, and when it is back. */
export interface PresenceHooks {
  withdraw(): Promise<void>;
  rejoin(): Promise<void>;
}

export interface SyncMasterStatus {
  slave: string;
  connected: boolean;
  withdrawn: boolean;
  consecutiveFailures: number;
  partitions: Array<{ partition: string; state: string; end: number; replicated: number; lagBytes: number }>;
}

/**
 * A sync master (MetaQ's samsa; docs/replication.md): every partition is mirrored on the one slave, and a put
 * is acknowledged only once the slave confirmed it. With the slave disconnected a put is
 * refused before anything is stored. After `slaveContinuousFailureThreshold` failed puts in a
 * row the master leaves ZooKeeper so producers go elsewhere, probes every
 * `checkSlaveIntervalInMills`, and comes back once every partition has caught up.
 */
export class SyncMaster {
  private readonly link: BrokerConnection;
  private readonly streams = new Map<string, ReplicaStream>();
  private readonly byLog = new Map<PartitionStore, ReplicaStream>();
  private readonly sweeper: NodeJS.Timeout;
  private failures = 0;
  private withdrawn = false;
  private probe: NodeJS.Timeout | undefined;
  private closed = false;
  /** The test-only fault above: acks do not wait for the slave. */
  private readonly ackBeforeSlave = process.env[ACK_BEFORE_SLAVE_FAULT] === '1';
  /** The user this master logs in to its slave as (`[auth] brokerUser`). */
  private readonly brokerUser: string | undefined;
  /** The login refusal last logged, so each is logged once, not on every put. */
  private loggedRefusal: string | undefined;
  private readonly onCreated = (topic: string, partition: number, log: PartitionStore): void => this.attach(topic, partition, log);

  constructor(
    private readonly config: ReplicationConfig,
    private readonly stores: PartitionStores,
    private readonly logger: Logger,
    /** How to reach the slave: TLS (`[tls]`) and the login (`[auth] brokerUser`). */
    link: Partial<ConnectionOptions>,
    private readonly presence: PresenceHooks,
  ) {
    const timeout = config.sendToSlaveTimeoutInMills;
    this.brokerUser = link.auth?.username;
    this.link = new BrokerConnection(
      parseBrokerUrl(`meta://${config.slave}`),
      // A slave that stops answering is noticed within two timeouts, even with frames in flight.
      {
        heartbeatIdleMs: timeout,
        heartbeatTimeoutMs: timeout,
        heartbeatMaxFailures: 1,
        reconnectInitialMs: config.checkSlaveIntervalInMills,
        reconnectMaxMs: Math.max(1000, config.checkSlaveIntervalInMills),
        ...link,
      },
    );
    for (const [topic, partitions] of stores.all()) for (const [partition, log] of partitions) this.attach(topic, partition, log);
    stores.created.add(this.onCreated);
    this.sweeper = setInterval(
      () => {
        const now = performance.now();
        for (const stream of this.streams.values()) stream.expire(now);
      },
      Math.max(10, Math.min(100, timeout / 4)),
    );
    this.sweeper.unref();
    if (this.ackBeforeSlave)
      this.logger.fatal(
        { component: 'replication', [ACK_BEFORE_SLAVE_FAULT]: '1' },
        `TEST FAULT ON: ${ACK_BEFORE_SLAVE_FAULT}=1, puts are acknowledged before the sync slave has them and a master kill loses them; unset it unless this is a fault test's negative control`,
      );
  }

  private attach(topic: string, partition: number, log: PartitionStore): void {
    const key = `${topic}-${partition}`;
    if (this.streams.has(key)) return;
    const stream = new ReplicaStream({
      topic,
      partition,
      log,
      link: this.link,
      timeoutMs: this.config.sendToSlaveTimeoutInMills,
      retryMs: this.config.checkSlaveIntervalInMills,
      logger: this.logger,
    });
    this.streams.set(key, stream);
    this.byLog.set(log, stream);
    // Damaged records of the master's log are put back from the slave's identical copy.
    const repair = (range: CorruptRange): void =>
      void this.repair({ link: this.link, topic, partition, log, timeoutMs: Math.max(5000, this.config.sendToSlaveTimeoutInMills) }, range);
    log.events.on('corrupt', repair);
    for (const range of log.corruptRanges) repair(range);
  }

  /** Retry (backing off to 30 s, ten times) while the slave cannot answer; a range it cannot supply stays refused. */
  private async repair(target: RepairTarget, range: CorruptRange): Promise<void> {
    const where = { component: 'replication', partition: `${target.topic}-${target.partition}`, ...range };
    for (let attempt = 0; !this.closed; attempt += 1) {
      if (attempt === REPAIR_ATTEMPTS) {
        this.logger.error(
          where,
          `gave up repairing a corrupt range from the sync slave after ${REPAIR_ATTEMPTS} attempts; the range stays refused until a restart tries again`,
        );
        return;
      }
      try {
        await repairFromSlave(target, range);
        this.logger.warn(where, 'corrupt range repaired from the sync slave');
        return;
      } catch (error) {
        if (error instanceof StorageError) {
          this.logger.error({ ...where, err: error }, "the sync slave's copy of a corrupt range is not usable; the range stays refused");
          return;
        }
        this.logger.warn({ ...where, err: error, attempt }, 'could not fetch a corrupt range from the sync slave yet; retrying');
        await new Promise((resolve) => setTimeout(resolve, Math.min(30_000, this.config.checkSlaveIntervalInMills * 2 ** attempt)).unref());
      }
    }
  }

  /** Admission of a put: why it must be refused before anything is stored (a failed put, counted), or undefined. */
  admit(topic: string, partition: number): string | undefined {
    const stream = this.streams.get(`${topic}-${partition}`);
    const refusal = !this.link.isConnected
      ? this.disconnectedText()
      : stream?.state === 'diverged'
        ? stream.problem
        : stream?.slaveRefusal !== undefined
          ? this.credentialsText(`it refuses this master's replication: ${stream.slaveRefusal}`)
          : undefined;
    if (refusal !== undefined) this.count(false);
    return refusal;
  }

  /** Why the slave cannot be reached; a refused login says so (it is this master's config to fix, not the network). */
  private disconnectedText(): string {
    const login = this.link.loginRefusal;
    if (login === undefined)
      return `Slave is disconnected: the sync slave ${this.config.slave} is not reachable, nothing was stored; retry later or send to another broker`;
    if (login !== this.loggedRefusal)
      this.logger.error(
        { component: 'replication', slave: this.config.slave, brokerUser: this.brokerUser, refusal: login },
        "the sync slave refused this master's login: check [auth] brokerUser and brokerPassword",
      );
    this.loggedRefusal = login;
    return this.credentialsText(`it refused the login (${login})`);
  }

  private credentialsText(why: string): string {
    const user = this.brokerUser === undefined ? 'no user: [auth] brokerUser is not set' : `user ${this.brokerUser}`;
    return `Slave refused the credentials: the sync slave ${this.config.slave} does not take this master's replication as ${user}, ${why}; nothing was stored. Set [auth] brokerUser and brokerPassword of this master to an admin user of the slave (metaq user add NAME --admin-rights there)`;
  }

  /** `done` once the slave holds `log` up to `end`, or with why it may not. */
  whenReplicated(log: PartitionStore, end: number, done: (error: string | undefined) => void): void {
    const stream = this.byLog.get(log);
    if (stream === undefined) {
      done('the partition is not replicated yet; retry');
      return;
    }
    if (this.ackBeforeSlave) {
      this.count(true);
      done(undefined);
      return;
    }
    stream.whenReplicated(end, (error) => {
      this.count(error === undefined);
      done(error);
    });
  }

  /** Consumers of the master read only what the slave has (else a failover could take back what they saw). */
  visibleEnd(log: PartitionStore): number {
    const stream = this.byLog.get(log);
    return stream === undefined || stream.ackedEnd < 0 ? log.visibleEnd : Math.min(log.visibleEnd, stream.ackedEnd);
  }

  /** Promise form for transaction commits: resolves once the slave has `log` up to `end`. */
  replicated(log: PartitionStore, end: number): Promise<void> {
    return new Promise((resolve, reject) => this.whenReplicated(log, end, (error) => (error === undefined ? resolve() : reject(new Error(error)))));
  }

  private count(ok: boolean): void {
    if (ok) {
      this.failures = 0;
      return;
    }
    this.failures += 1;
    if (this.failures >= this.config.slaveContinuousFailureThreshold && !this.withdrawn) this.withdraw();
  }

  private withdraw(): void {
    this.withdrawn = true;
    this.logger.error(
      { component: 'replication', slave: this.config.slave, failures: this.failures },
      'sync slave failing: leaving ZooKeeper until it has caught up',
    );
    void this.presence.withdraw().catch((error: unknown) => this.logger.warn({ component: 'replication', err: error }, 'could not leave ZooKeeper'));
    this.probe = setInterval(() => {
      if (!this.link.isConnected || ![...this.streams.values()].every((stream) => stream.inSync)) return;
      clearInterval(this.probe);
      this.probe = undefined;
      this.failures = 0;
      this.withdrawn = false;
      this.logger.info({ component: 'replication', slave: this.config.slave }, 'sync slave caught up: registering in ZooKeeper again');
      void this.presence
        .rejoin()
        .catch((error: unknown) => this.logger.warn({ component: 'replication', err: error }, 'could not register in ZooKeeper again'));
    }, this.config.checkSlaveIntervalInMills);
    this.probe.unref();
  }

  status(): SyncMasterStatus {
    return {
      slave: this.config.slave,
      connected: this.link.isConnected,
      withdrawn: this.withdrawn,
      consecutiveFailures: this.failures,
      partitions: [...this.streams].map(([partition, stream]) => ({
        partition,
        state: stream.state,
        end: stream.end,
        replicated: stream.ackedEnd,
        lagBytes: stream.lagBytes,
      })),
    };
  }

  /** Stop replicating (shutdown, or this broker was replaced): waiting puts fail with `reason`. */
  async close(reason = 'the broker is stopping'): Promise<void> {
    this.closed = true;
    this.stores.created.delete(this.onCreated);
    clearInterval(this.sweeper);
    clearInterval(this.probe);
    for (const stream of this.streams.values()) stream.close(reason);
    await this.link.close();
  }
}
