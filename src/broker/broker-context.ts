import type { Quotas } from './quotas/quotas.js';
import type { Logger } from 'pino';
import type { Clock } from '../common/clock.js';
import type { IdGenerator } from '../common/id-generator.js';
import type { ClosedPartitions } from './closed-partitions.js';
import type { MoveFences } from './moves/move-fences.js';
import type { BrokerConfig } from './config/broker-config.js';
import type { PartitionStores } from './partition-stores.js';
import type { TransactionManager } from './transactions/transaction-manager.js';
import type { Replication } from './replication/replication.js';
import type { BrokerCounters } from './stats/broker-counters.js';
import type { LoginBackoff } from './auth/login-backoff.js';
import type { RealtimeStats } from './stats/realtime-stats.js';
import type { PartitionTraffic } from './stats/partition-traffic.js';
import type { ConsumerPositions } from './stats/consumer-positions.js';
import type { DelayedMessages } from './delayed/delayed-messages.js';
import type { TraceBook } from './tracing/trace-book.js';
import type { UserBook } from './auth/user-book.js';
import type { BufferPool } from '../common/buffer-pool.js';
import type { BodyBudget } from './body-budget.js';

/** Who this broker is: its config, identity and time. */
export interface BrokerIdentity {
  config: BrokerConfig;
  logger: Logger;
  clock: Clock;
  /** Message ids: the broker id and the time, unique across the cluster. */
  ids: IdGenerator;
  version: string;
  startedAtMs: number;
  /** `meta://host:port`, used in error texts. */
  url: () => string;
  port: () => number;
}

/** Where messages live and who may write them now: the put and get paths' part. */
export interface BrokerData {
  stores: PartitionStores;
  transactions: TransactionManager;
  replication: Replication;
  closed: ClosedPartitions;
  /** Partitions that take no puts while an online move copies or switches them. */
  moveFences: MoveFences;
  /** The schedule of delayed sets (`dput`). */
  delayed: DelayedMessages;
  /** Message traces, where a topic is configured with `trace=true`. */
  traces: TraceBook | undefined;
  /** Why puts are refused right now (the ZooKeeper session may be lost), or undefined. */
  fencedBecause: () => string | undefined;
}

/** What the broker counts: `stats`, the admin API and the metrics read it. */
export interface BrokerStatistics {
  counters: BrokerCounters;
  realtime: RealtimeStats;
  traffic: PartitionTraffic;
  positions: ConsumerPositions;
}

/** Who may ask for what, and how much: login, rights, quotas and request memory. */
export interface BrokerAdmission {
  /** The users and their rights, when `[auth] enabled=true`; undefined: no login asked. */
  users: UserBook | undefined;
  /** Blocks addresses with repeated failed logins for a while (both ports). */
  loginBackoff: LoginBackoff;
  quotas: Quotas;
  /** Memory request bodies may hold while they arrive, across all connections (`maxBodyBytesInFlight`). */
  bodyBudget: BodyBudget;
}

/** Reused buffers of the hot paths. */
export interface BrokerBuffers {
  /** Reused buffers for the message sets gets read from disk, given back once sent. */
  readBuffers: BufferPool;
  /**
   * Reused buffers for the bodies of batched puts that span socket reads, given back by the log
   * once written (the tail cache keeps a copy); one never given back is collected.
   */
  setBodies: BufferPool;
}

/**
 * What command handlers share: the broker's services, nothing per connection. A function that
 * needs one part may take that part's type alone.
 */
export interface BrokerContext extends BrokerIdentity, BrokerData, BrokerStatistics, BrokerAdmission, BrokerBuffers {}
