import type { Logger } from 'pino';
import type { Clock } from '../common/clock.js';
import type { ResourceStack } from '../common/resource-stack.js';
import type { FileIO } from '../storage/io/file-io.js';
import { UserBook } from './auth/user-book.js';
import type { BrokerConfig } from './config/broker-config.js';
import type { TlsMaterial } from './config/tls-material.js';
import { loadTlsMaterial } from './config/tls-material.js';
import { markDataDirs } from './data-dir-owner.js';
import { DelayedMessages } from './delayed/delayed-messages.js';
import { PartitionStores } from './partition-stores.js';
import { migrateOwnState } from './state-directory.js';
import { TraceBook } from './tracing/trace-book.js';
import { TransactionManager } from './transactions/transaction-manager.js';

/** What a broker opens from disk before it can serve anyone. */
export interface BrokerServices {
  stores: PartitionStores;
  transactions: TransactionManager;
  /** This broker's TLS identity (`[tls]`), if it has one. */
  tls: TlsMaterial | undefined;
  /** The users and their rights, when `[auth] enabled=true`. */
  users: UserBook | undefined;
  /** Message traces, opened only where a topic asks for them (a config reload cannot turn them on). */
  traces: TraceBook | undefined;
  /** The schedule of delayed sets (`dput`). */
  delayed: DelayedMessages;
}

export interface ServiceSources {
  config: BrokerConfig;
  io: FileIO;
  logger: Logger;
  clock: Clock;
}

async function loadUsers({ config, io, logger }: ServiceSources): Promise<UserBook | undefined> {
  const auth = config.auth;
  const users = auth.enabled ? await UserBook.open(io, auth.usersFile) : undefined;
  if (users !== undefined && auth.legacyPort > 0 && users.get(auth.legacyUser) === undefined)
    logger.warn(
      { component: 'broker', legacyUser: auth.legacyUser },
      '[auth] legacyUser is not a user yet: old clients on legacyPort are refused everything until it is added',
    );
  return users;
}

/**
 * Open the broker's services onto `resources`, in an order whose reverse is the order they close
 * in: marks that the data directories are in use, the stores, the transaction journal replayed onto them (before anyone can read or write),
 * users and TLS, traces, the delayed schedule. A step that fails closes the ones before it.
 */
export async function openBrokerServices(sources: ServiceSources, resources: ResourceStack): Promise<BrokerServices> {
  const { config, io, logger, clock } = sources;
  const { system } = config;
  const dataDirs = [...new Set([system.dataPath, ...config.topics.flatMap((topic) => (topic.dataPath ? [topic.dataPath] : []))])];
  await resources.acquire(
    'data directory marks',
    () => markDataDirs(io, dataDirs),
    (unmark) => unmark(),
  );
  const own = await migrateOwnState(io, system.dataPath, system.dataLogPath, logger);
  const stores = await resources.acquire(
    'partition stores',
    async () => {
      const opened = new PartitionStores(config, io, logger, clock);
      await opened.loadAll();
      return opened;
    },
    (opened) => opened.close(),
  );
  const transactions = await resources.acquire(
    'transaction journal',
    () => TransactionManager.open({ config, stores, io, logger, journalDir: own.journal }),
    (opened) => opened.close(),
  );
  const users = await resources.acquire('users', () => loadUsers(sources));
  const tls = await resources.acquire('TLS material', () => loadTlsMaterial(config.tls, io));
  const tracing = system.trace || config.topics.some((topic) => topic.trace === true);
  const traces = tracing
    ? await resources.acquire(
        'traces',
        () => TraceBook.open(io, own.trace, clock, system.traceMaxMessages, logger),
        (opened) => opened.close(),
      )
    : undefined;
  const delayed = await resources.acquire(
    'delayed messages',
    () =>
      DelayedMessages.open({
        dataPath: own.delayed,
        io,
        logger,
        clock,
        unflushThreshold: system.unflushThreshold,
        unflushInterval: system.unflushInterval,
        maxSegmentSize: system.maxSegmentSize,
      }),
    (opened) => opened.close(),
  );
  return { stores, transactions, tls, users, traces, delayed };
}
