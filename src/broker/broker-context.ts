import type { Quotas } from './quotas/quotas.js';
import type { Logger } from 'pino';
import type { Clock } from '../common/clock.js';
import type { IdGenerator } from '../common/id-generator.js';
import type { ClosedPartitions } from './closed-partitions.js';
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

/** What command handlers share: the broker's services, nothing per connection. */
export interface BrokerContext {
  config: BrokerConfig;
  stores: PartitionStores;
  transactions: TransactionManager;
  replication: Replication;
  ids: IdGenerator;
  closed: ClosedPartitions;
  counters: BrokerCounters;
  realtime: RealtimeStats;
  traffic: PartitionTraffic;
  positions: ConsumerPositions;
  quotas: Quotas;
  /** The schedule of delayed sets (`dput`). */
  delayed: DelayedMessages;
  /** Message traces, where a topic is configured with `trace=true`. */
  traces: TraceBook | undefined;
  /** The users and their rights, when `[auth] enabled=true`; undefined: no login asked. */
  users: UserBook | undefined;
  /** Blocks addresses with repeated failed logins for a while (both ports). */
  loginBackoff: LoginBackoff;
  /** Reused buffers for the message sets gets read from disk, given back once sent. */
  readBuffers: BufferPool;
  /**
   * Reused buffers for the bodies of batched puts that span socket reads, given back by the log
   * once written (the tail cache keeps a copy); one never given back is collected.
   */
  setBodies: BufferPool;
  /** Memory request bodies may hold while they arrive, across all connections (`maxBodyBytesInFlight`). */
  bodyBudget: BodyBudget;
  logger: Logger;
  clock: Clock;
  version: string;
  startedAtMs: number;
  /** Why puts are refused right now (the ZooKeeper session may be lost), or undefined. */
  fencedBecause: () => string | undefined;
  /** `meta://host:port`, used in error texts. */
  url: () => string;
  port: () => number;
}
