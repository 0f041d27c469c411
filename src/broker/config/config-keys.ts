import { cpus, homedir } from 'node:os';
import { join } from 'node:path';

/** How a config value is read: integer expression, boolean, or text. */
export type ValueKind = 'int' | 'bool' | 'string';

export interface KeySpec {
  kind: ValueKind;
  /** Value when the key is absent or blank; undefined means "derived" (see the loader). */
  default: number | boolean | string | undefined;
  /** Allowed range for integers. */
  min?: number;
  max?: number;
}

const threads = 10 * cpus().length;

/** Every `[system]` key of MetaQ's server.ini (docs/operations.md), plus metaq's own limits at the end. */
export const systemKeys = {
  brokerId: { kind: 'int', default: 0, min: 0, max: 1023 },
  // Blank: 127.0.0.1 standalone, in cluster mode an address other hosts reach (registered-host.ts).
  hostName: { kind: 'string', default: '' },
  serverPort: { kind: 'int', default: 8123, min: 0, max: 65535 },
  dashboardHttpPort: { kind: 'int', default: 8120, min: 0, max: 65535 },
  numPartitions: { kind: 'int', default: 1, min: 1, max: 100000 },
  dataPath: { kind: 'string', default: join(homedir(), 'meta') },
  dataLogPath: { kind: 'string', default: undefined },
  appClassPath: { kind: 'string', default: '' },
  unflushThreshold: { kind: 'int', default: 1000 },
  unflushInterval: { kind: 'int', default: 10000, min: 0 },
  maxSegmentSize: { kind: 'int', default: 1024 * 1024 * 1024, min: 1, max: 2147483647 },
  maxTransferSize: { kind: 'int', default: 1024 * 1024, min: 1, max: 2147483647 },
  getProcessThreadCount: { kind: 'int', default: threads, min: 1 },
  putProcessThreadCount: { kind: 'int', default: threads, min: 1 },
  deletePolicy: { kind: 'string', default: 'delete,168' },
  deleteWhen: { kind: 'string', default: '0 0 6,18 * * ?' },
  quartzThreadCount: { kind: 'int', default: 5, min: 1 },
  maxCheckpoints: { kind: 'int', default: 3, min: 1 },
  checkpointInterval: { kind: 'int', default: 3600000, min: 1 },
  maxTxTimeoutTimerCapacity: { kind: 'int', default: 30000, min: 1 },
  maxTxTimeoutInSeconds: { kind: 'int', default: 60, min: 1 },
  flushTxLogAtCommit: { kind: 'int', default: 1, min: 0, max: 2 },
  acceptPublish: { kind: 'bool', default: true },
  acceptSubscribe: { kind: 'bool', default: true },
  stat: { kind: 'bool', default: false },
  updateConsumerOffsets: { kind: 'bool', default: false },
  loadMessageStoresInParallel: { kind: 'bool', default: false },
  // metaq additions: bounds that keep one connection from exhausting the broker's memory.
  maxRequestBodySize: { kind: 'int', default: 16 * 1024 * 1024, min: 1 },
  maxHeaderLength: { kind: 'int', default: 4096, min: 64 },
  // metaq additions: connections accepted at once, in total and from one IP address (0: no limit),
  // counted from the first byte of a TLS handshake. 1,000 per IP: far above one host's clients,
  // even a NAT gateway's hundreds, and a tenth of maxConnections, so one address cannot take all.
  maxConnections: { kind: 'int', default: 10_000, min: 0 },
  maxConnectionsPerIp: { kind: 'int', default: 1_000, min: 0 },
  // metaq additions, time limits (0: none): a TLS handshake, a command line from its first byte,
  // a body from its command line (2 min: 16 MiB at 140 KB/s), and a connection with nothing in
  // flight and nothing received (10 min: 60 times the 10 s heartbeat of metaq and MetaQ clients).
  handshakeTimeoutMs: { kind: 'int', default: 10_000, min: 0 },
  headerTimeoutMs: { kind: 'int', default: 10_000, min: 0 },
  bodyTimeoutMs: { kind: 'int', default: 120_000, min: 0 },
  idleTimeoutMs: { kind: 'int', default: 600_000, min: 0 },
  // metaq addition: how long `metaq server` waits for a graceful stop after SIGTERM/SIGINT before it exits with code 1.
  shutdownTimeoutMs: { kind: 'int', default: 30_000, min: 1 },
  // metaq addition: memory request bodies may hold while they arrive, across all connections; a
  // connection whose next body does not fit is not read until it does. At least maxRequestBodySize.
  maxBodyBytesInFlight: { kind: 'int', default: 256 * 1024 * 1024, min: 1 },
  // metaq addition: requests one connection may have unanswered; reading pauses at it, and a
  // request already read past it is refused with 503 (RocketMQ's "broker busy").
  maxInFlightRequests: { kind: 'int', default: 16_384, min: 1 },
  // metaq addition (docs/testing.md, N7): a forward wall-clock jump beyond this pauses deletion by age until accepted; 0: off.
  clockJumpToleranceMs: { kind: 'int', default: 600_000, min: 0 },
  // metaq addition: newest written bytes kept in memory for gets at the end of a log (0: off).
  tailCacheBytes: { kind: 'int', default: 16 * 1024 * 1024, min: 0 },
  // metaq additions, quotas (0: none): per client address, and per topic (a topic section may set its own).
  clientProduceBytesPerSecond: { kind: 'int', default: 0, min: 0 },
  clientFetchBytesPerSecond: { kind: 'int', default: 0, min: 0 },
  produceBytesPerSecond: { kind: 'int', default: 0, min: 0 },
  fetchBytesPerSecond: { kind: 'int', default: 0, min: 0 },
  // metaq addition: index every message's attribute as its key, for lookups by key.
  keyIndex: { kind: 'bool', default: false },
  // metaq addition: largest message payload (attribute included) a put may carry, per topic (0: only maxRequestBodySize bounds it).
  maxMessageSize: { kind: 'int', default: 0, min: 0 },
  // metaq additions: trace each message's path (stored, replicated, delivered), and how many traces to keep.
  trace: { kind: 'bool', default: false },
  traceMaxMessages: { kind: 'int', default: 100_000, min: 1 },
  // metaq additions: stores one broker may hold (0: no limit); a put that would create one past
  // them is refused. Stores already on disk are always loaded.
  maxTopics: { kind: 'int', default: 5_000, min: 0 },
  maxPartitions: { kind: 'int', default: 10_000, min: 0 },
  // metaq additions: memory transactions may hold until commit (payloads plus 128 bytes a message;
  // 0: no limit), one transaction and all open ones together; a put past them is refused.
  // Prepared ones found at start are always loaded.
  maxTransactionBytes: { kind: 'int', default: 64 * 1024 * 1024, min: 0 },
  maxTransactionBytesTotal: { kind: 'int', default: 512 * 1024 * 1024, min: 0 },
  // metaq addition: partition files held open at once (least recently used closed first, reopened
  // on use); 0: half the process's descriptor limit (ulimit -n).
  maxOpenSegmentFiles: { kind: 'int', default: 0, min: 0 },
  // metaq addition: a partition file unused for one to two periods of this closes its descriptor
  // (reopened on use), so idle partitions hold none; 0: only the cache's bound closes files.
  segmentFileIdleMs: { kind: 'int', default: 600_000, min: 0, max: 2_147_483_647 },
  // metaq addition: partition writes up to this many bytes are copied into the page cache on the
  // event loop (a few microseconds) instead of through libuv's thread pool; 0: always the pool.
  // A write that blocks (writeback throttling) sends every write to the pool for a second.
  inlineWriteMaxBytes: { kind: 'int', default: 64 * 1024, min: 0 },
  // metaq addition: about how often (jittered ±50 %) a written partition rewrites its
  // .recovery-point after flushes (two fsyncs each); it is also rewritten at once after a cut and at a clean stop.
  recoveryPointIntervalMs: { kind: 'int', default: 60_000, min: 1, max: 2_147_483_647 },
  // metaq addition: partitions with their own series in /metrics; the rest are summed into topic="_other".
  metricsPartitionSeries: { kind: 'int', default: 200, min: 0 },
  // metaq addition: group-partition pairs with their own consumer lag series in /metrics (group
  // names come from clients); the rest are summed per partition into group="_other".
  metricsGroupSeries: { kind: 'int', default: 200, min: 0 },
} satisfies Record<string, KeySpec>;

export const zookeeperKeys = {
  'zk.zkConnect': { kind: 'string', default: 'localhost:2181' },
  'zk.zkSessionTimeoutMs': { kind: 'int', default: 30000, min: 1 },
  'zk.zkConnectionTimeoutMs': { kind: 'int', default: 30000, min: 1 },
  'zk.zkSyncTimeMs': { kind: 'int', default: 5000, min: 0 },
  'zk.zkEnable': { kind: 'bool', default: true },
  'zk.zkRoot': { kind: 'string', default: '/meta' },
} satisfies Record<string, KeySpec>;

/**
 * `[replication]`: metaq's home for what MetaQ configured in plugin property files (docs/replication.md):
 * `samsa_master.properties` (sync master), `gregor_slave.properties` (sync slave) and
 * `async_slave.properties` (async slave), with MetaQ's key names.
 */
export const replicationKeys = {
  /** master (default), sync-slave (MetaQ's gregor) or async-slave (MetaQ's metaslave). */
  role: { kind: 'string', default: 'master' },
  // sync master (samsa)
  slave: { kind: 'string', default: '' },
  sendToSlaveTimeoutInMills: { kind: 'int', default: 2000, min: 1 },
  slaveContinuousFailureThreshold: { kind: 'int', default: 100, min: 1 },
  checkSlaveIntervalInMills: { kind: 'int', default: 100, min: 1 },
  // sync slave (gregor): take over when the master's ZooKeeper session expires
  autoPromote: { kind: 'bool', default: false },
  // async slave (metaslave)
  slaveId: { kind: 'int', default: -1, min: -1, max: 1023 },
  slaveGroup: { kind: 'string', default: '' },
  slaveMaxDelayInMills: { kind: 'int', default: 500, min: 1 },
  autoSyncMasterConfig: { kind: 'bool', default: false },
} satisfies Record<string, KeySpec>;

/**
 * `[http]`: metaq's HTTP server on `[system] dashboardHttpPort` (MetaQ's dashboard port): the
 * admin API, `/metrics`, the web console and MetaQ's `/put` `/get` `/offset` front end (docs/operations.md).
 */
export const httpKeys = {
  enabled: { kind: 'bool', default: true },
  /** Address to listen on; blank means `[system] hostName`. */
  host: { kind: 'string', default: '' },
  /** Bearer token for the admin API and the console; blank makes the broker generate one at start and print it. */
  token: { kind: 'string', default: '' },
  /**
   * A file holding the token (mode 0600 or stricter; refused if group or others may read it), for
   * one token copied to every broker by the operator's own means. Used when `token` is blank.
   */
  tokenFile: { kind: 'string', default: '' },
  /** MetaQ's HTTP front end (`/put`, `/get`, `/offset`), open like the TCP port. */
  frontEnd: { kind: 'bool', default: true },
  /**
   * Who may read `/metrics` (topic and group names, the data path): `token` asks for the admin
   * bearer token, `open` anyone, `auto` (default) the token when `[auth] enabled=true`.
   */
  metricsAuth: { kind: 'string', default: 'auto' },
} satisfies Record<string, KeySpec>;

/**
 * `[tls]` (metaq addition): with certFile and keyFile the broker port, the HTTP server and the
 * replication links speak TLS; plaintext only on `plainPort`, when the config asks for it.
 */
export const tlsKeys = {
  /** PEM certificate chain and private key this broker presents. */
  certFile: { kind: 'string', default: '' },
  keyFile: { kind: 'string', default: '' },
  /** PEM CA bundle: verifies client certificates and the brokers this one connects to (blank: the system's CAs). */
  caFile: { kind: 'string', default: '' },
  /** Require a client certificate signed by caFile on the TLS port. */
  clientAuth: { kind: 'bool', default: false },
  /** A second, plaintext listener for clients that cannot speak TLS (old MetaQ clients); 0: none. */
  plainPort: { kind: 'int', default: 0, min: 0, max: 65_535 },
} satisfies Record<string, KeySpec>;

/**
 * `[auth]` (metaq addition): with enabled=true every connection logs in with SCRAM-SHA-256 and
 * each command is checked against its user's rights; old MetaQ clients, which cannot log in,
 * only on `legacyPort`, with `legacyUser`'s rights.
 */
export const authKeys = {
  enabled: { kind: 'bool', default: false },
  /** JSON file of users: SCRAM keys and rights, never passwords (`metaq user add`, the admin API). */
  usersFile: { kind: 'string', default: '' },
  /** A plaintext listener that asks for no login, for old MetaQ clients; 0: none. */
  legacyPort: { kind: 'int', default: 0, min: 0, max: 65_535 },
  /** Whose rights connections on legacyPort have. */
  legacyUser: { kind: 'string', default: '' },
  /** The user this broker logs in as on its replication links (an admin user of the peer). */
  brokerUser: { kind: 'string', default: '' },
  brokerPassword: { kind: 'string', default: '' },
  /**
   * Failed logins as one user name from one address (each within a minute of the last) before
   * that pair is blocked for a while, and 20 times as many from one address across all names
   * before the address is; 0: no back-off.
   */
  loginFailuresBeforeBackoff: { kind: 'int', default: 5, min: 0 },
  /** The longest an address is blocked; blocks start at 5 s and double with each further failure. */
  loginBackoffMaxMs: { kind: 'int', default: 60_000, min: 5000 },
} satisfies Record<string, KeySpec>;

/** Keys a `[topic=...]` section may override; blank or absent inherits from `[system]`. */
export const topicKeys = {
  numPartitions: systemKeys.numPartitions,
  unflushThreshold: systemKeys.unflushThreshold,
  unflushInterval: systemKeys.unflushInterval,
  deletePolicy: systemKeys.deletePolicy,
  deleteWhen: systemKeys.deleteWhen,
  dataPath: systemKeys.dataPath,
  acceptPublish: systemKeys.acceptPublish,
  acceptSubscribe: systemKeys.acceptSubscribe,
  stat: systemKeys.stat,
  produceBytesPerSecond: systemKeys.produceBytesPerSecond,
  fetchBytesPerSecond: systemKeys.fetchBytesPerSecond,
  keyIndex: systemKeys.keyIndex,
  maxMessageSize: systemKeys.maxMessageSize,
  trace: systemKeys.trace,
} satisfies Record<string, KeySpec>;

type ValueOf<K extends ValueKind> = K extends 'int' ? number : K extends 'bool' ? boolean : string;
type Values<T extends Record<string, KeySpec>> = { -readonly [K in keyof T]: ValueOf<T[K]['kind']> };

export type SystemConfig = Values<typeof systemKeys>;
export type HttpConfig = Values<typeof httpKeys>;
export type TlsConfig = Values<typeof tlsKeys>;
export type AuthConfig = Values<typeof authKeys>;
export type ReplicationConfig = Values<typeof replicationKeys> & { role: ReplicationRole };
export type ReplicationRole = 'master' | 'sync-slave' | 'async-slave';
export type ZookeeperConfig = Values<typeof zookeeperKeys> & { configured: boolean };
export type TopicOverrides = Partial<Values<typeof topicKeys>>;
