import type { Logger } from 'pino';
import { BufferPool } from '../common/buffer-pool.js';
import type { Clock } from '../common/clock.js';
import { IdGenerator } from '../common/id-generator.js';
import { DEFAULT_LOGIN_BACKOFF, LoginBackoff } from './auth/login-backoff.js';
import { BodyBudget } from './body-budget.js';
import type { BrokerContext } from './broker-context.js';
import type { BrokerServices } from './broker-services.js';
import { ClosedPartitions } from './closed-partitions.js';
import { MoveFences } from './moves/move-fences.js';
import type { BrokerConfig } from './config/broker-config.js';
import { Quotas } from './quotas/quotas.js';
import type { Replication } from './replication/replication.js';
import { BrokerCounters } from './stats/broker-counters.js';
import { ConsumerPositions } from './stats/consumer-positions.js';
import { PartitionTraffic } from './stats/partition-traffic.js';
import { RealtimeStats } from './stats/realtime-stats.js';

/** Pooled set bodies: the client library's largest set (`maxBatchBytes`); larger ones are allocated. */
const SET_BODY_BYTES = 256 * 1024;
/** Idle set bodies kept: sets waiting for one write of a busy partition are many at once. */
const IDLE_SET_BODIES = 64;

export interface ContextSources {
  config: BrokerConfig;
  services: BrokerServices;
  replication: Replication;
  logger: Logger;
  clock: Clock;
  version: string;
  fencedBecause: () => string | undefined;
  /** The broker port as bound. */
  port: () => number;
}

/** The handlers' shared services: the opened ones, and the counters, pools and budgets made here. */
export function buildBrokerContext(sources: ContextSources): BrokerContext {
  const { config, services, replication, logger, clock, version, fencedBecause, port } = sources;
  return {
    config,
    stores: services.stores,
    transactions: services.transactions,
    replication,
    ids: new IdGenerator(config.system.brokerId, clock),
    closed: new ClosedPartitions(),
    moveFences: new MoveFences(),
    counters: new BrokerCounters(),
    realtime: new RealtimeStats(clock),
    traffic: new PartitionTraffic(),
    positions: new ConsumerPositions(),
    quotas: new Quotas(clock),
    delayed: services.delayed,
    traces: services.traces,
    users: services.users,
    // The address-wide count is 20 times the per-name one: a host's users may each mistype a few
    // times in a minute without locking each other out; one address guessing names may not.
    loginBackoff: new LoginBackoff({
      ...DEFAULT_LOGIN_BACKOFF,
      freeFailures: config.auth.loginFailuresBeforeBackoff,
      addressFreeFailures: 20 * config.auth.loginFailuresBeforeBackoff,
      maxBlockMs: config.auth.loginBackoffMaxMs,
    }),
    readBuffers: new BufferPool(config.system.maxTransferSize),
    setBodies: new BufferPool(SET_BODY_BYTES, IDLE_SET_BODIES),
    bodyBudget: new BodyBudget(config.system.maxBodyBytesInFlight),
    logger,
    clock,
    version,
    startedAtMs: clock.wallMs(),
    fencedBecause,
    url: () => `meta://${config.system.hostName}:${port()}`,
    port,
  };
}
