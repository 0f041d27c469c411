import { distance } from 'fastest-levenshtein';
import { Cron } from 'croner';
import { evaluateIntegerExpression } from '../../common/config-expression.js';
import { ConfigError } from '../../common/errors.js';
import type { IniEntry } from '../../common/ini-file.js';
import { topicPatternProblem } from '../../common/names.js';
import { parseIni } from '../../common/ini-file.js';
import { parseRetentionPolicy } from '../../storage/retention.js';
import type { AuthConfig, HttpConfig, KeySpec, ReplicationConfig, SystemConfig, TlsConfig, TopicOverrides, ZookeeperConfig } from './config-keys.js';
import { authKeys, httpKeys, replicationKeys, systemKeys, tlsKeys, topicKeys, zookeeperKeys } from './config-keys.js';

export interface TopicConfig extends TopicOverrides {
  /** The section name after `topic=`; may contain `*` wildcards. */
  name: string;
  /** Server-side filters: group → filter name (`group.<g>=<class>`; docs/protocol.md, get). */
  filters: Map<string, string>;
}

export interface BrokerConfig {
  system: SystemConfig;
  zookeeper: ZookeeperConfig;
  replication: ReplicationConfig;
  http: HttpConfig;
  tls: TlsConfig;
  auth: AuthConfig;
  topics: TopicConfig[];
  /** The file it came from, or undefined for built-in defaults. */
  file: string | undefined;
  /** The raw text (answered by `stats config`). */
  text: string;
}

/**
 * The configuration used when no server.ini is given: standalone, any topic accepted, and group
 * commit as in the conf/server.ini MetaQ's server ships with, so an acknowledged message is on
 * disk and consumers see it at once (with MetaQ's sample 1000/10000 they wait for the next flush,
 * up to 10 s on a quiet topic; docs/protocol.md, get). A server.ini that leaves the key out gets the sample's 1000.
 */
export const DEFAULT_CONFIG_TEXT = `; metaq built-in defaults (no server.ini given)
[system]
brokerId=0
numPartitions=1
; group commit: a put is acknowledged after the fsync that covers it, and visible at once
unflushThreshold=0
unflushInterval=10000
maxSegmentSize=1024*1024*1024
maxTransferSize=1024*1024

; any topic name is accepted and created on its first put
[topic=*]
`;

/** Parse and validate a server.ini text; every mistake names the file and line. */
export function parseBrokerConfig(text: string, fileName: string | undefined): BrokerConfig {
  const where = fileName ?? '<built-in defaults>';
  const sections = parseIni(text, where);
  const system = defaults(systemKeys) as SystemConfig;
  const zookeeper = { ...(defaults(zookeeperKeys) as Omit<ZookeeperConfig, 'configured'>), configured: false };
  const replication = defaults(replicationKeys) as ReplicationConfig;
  const http = defaults(httpKeys) as HttpConfig;
  const tls = defaults(tlsKeys) as TlsConfig;
  const auth = defaults(authKeys) as AuthConfig;
  const topics: TopicConfig[] = [];
  // A set, not a scan of `topics`: a file with 10,000 sections took seconds to read that way.
  const topicNames = new Set<string>();
  for (const section of sections) {
    if (section.name === 'system') {
      for (const entry of section.entries) assign(system, systemKeys, entry, where, 'system');
    } else if (section.name === 'zookeeper') {
      for (const entry of section.entries) {
        assign(zookeeper, zookeeperKeys, entry, where, 'zookeeper');
        if (entry.value !== '') zookeeper.configured = true;
      }
    } else if (section.name === 'replication') {
      for (const entry of section.entries) assign(replication, replicationKeys, entry, where, 'replication');
      validateReplication(replication, where, section.line);
    } else if (section.name === 'http') {
      for (const entry of section.entries) assign(http, httpKeys, entry, where, 'http');
      if (!METRICS_AUTH.includes(http.metricsAuth))
        throw new ConfigError(
          `${where}:${section.line}: [http] metricsAuth must be one of ${METRICS_AUTH.join(', ')}, got ${JSON.stringify(http.metricsAuth)}`,
        );
      if (http.token !== '' && http.tokenFile !== '')
        throw new ConfigError(`${where}:${section.line}: [http] token and tokenFile both set: keep one (the token itself, or the file holding it)`);
    } else if (section.name === 'tls') {
      for (const entry of section.entries) assign(tls, tlsKeys, entry, where, 'tls');
      validateTls(tls, where, section.line);
    } else if (section.name === 'auth') {
      for (const entry of section.entries) assign(auth, authKeys, entry, where, 'auth');
      validateAuth(auth, where, section.line);
    } else if (section.name.startsWith('topic=')) {
      const name = section.name.slice('topic='.length).trim();
      const problem = topicPatternProblem(name);
      if (problem !== undefined) throw new ConfigError(`${where}:${section.line}: ${problem}`);
      if (topicNames.has(name)) throw new ConfigError(`${where}:${section.line}: topic ${name} is configured twice`);
      const topic: TopicConfig = { name, filters: new Map() };
      for (const entry of section.entries) {
        if (entry.key.startsWith('group.') && entry.key.length > 'group.'.length) topic.filters.set(entry.key.slice('group.'.length), entry.value);
        else assign(topic as unknown as Record<string, unknown>, topicKeys, entry, where, `topic=${name}`);
      }
      topics.push(topic);
      topicNames.add(name);
    }
    // Other sections (old files carry [slave]) are ignored, as MetaQ does.
  }
  if (topics.length === 0) {
    throw new ConfigError(`${where}: no [topic=<name>] section; add at least one (use [topic=*] to accept every topic)`);
  }
  validatePolicies(system.deletePolicy, system.deleteWhen, where, 'system');
  if (system.maxBodyBytesInFlight < system.maxRequestBodySize) {
    throw new ConfigError(
      `${where}: [system] maxBodyBytesInFlight (${system.maxBodyBytesInFlight}) is less than maxRequestBodySize (${system.maxRequestBodySize}): the largest body could never be read; raise maxBodyBytesInFlight or lower maxRequestBodySize`,
    );
  }
  for (const topic of topics) {
    if (topic.deletePolicy !== undefined || topic.deleteWhen !== undefined) {
      validatePolicies(topic.deletePolicy ?? system.deletePolicy, topic.deleteWhen ?? system.deleteWhen, where, `topic=${topic.name}`);
    }
  }
  return { system, zookeeper, replication, http, tls, auth, topics, file: fileName, text };
}

const ROLES = ['master', 'sync-slave', 'async-slave'];
const METRICS_AUTH = ['auto', 'token', 'open'];

/** Keys that only mean something for one role, so a misplaced one is reported rather than ignored. */
function validateReplication(r: ReplicationConfig, file: string, line: number): void {
  const at = `${file}:${line}: [replication]`;
  if (!ROLES.includes(r.role)) throw new ConfigError(`${at} role must be one of ${ROLES.join(', ')}, got ${JSON.stringify(r.role)}`);
  if (r.slave !== '' && r.role !== 'master')
    throw new ConfigError(`${at} slave=${r.slave} names a sync slave, which only a master has; remove it or set role=master`);
  if (r.slave !== '' && !/^(\[[0-9a-fA-F:.]+\]|[^:\s]+):\d{1,5}$/.test(r.slave))
    throw new ConfigError(`${at} slave must be host:port, got ${JSON.stringify(r.slave)}`);
  if (r.role === 'async-slave' && r.slaveId < 0)
    throw new ConfigError(`${at} role=async-slave needs slaveId (0 or more, distinct for each slave of one master)`);
  if (r.role !== 'async-slave' && r.slaveId >= 0) throw new ConfigError(`${at} slaveId is for role=async-slave; this broker's role is ${r.role}`);
  if (r.autoPromote && r.role !== 'sync-slave') throw new ConfigError(`${at} autoPromote is for role=sync-slave; this broker's role is ${r.role}`);
  if (r.slaveGroup === '' && r.slaveId >= 0) r.slaveGroup = `meta-slave-group_${r.slaveId}`;
}

function validateTls(t: TlsConfig, file: string, line: number): void {
  const at = `${file}:${line}: [tls]`;
  if ((t.certFile === '') !== (t.keyFile === ''))
    throw new ConfigError(`${at} certFile and keyFile go together: set both (PEM files) to turn TLS on, or neither`);
  if (t.clientAuth && t.caFile === '') throw new ConfigError(`${at} clientAuth=true needs caFile, the CA that signs client certificates`);
  if (t.plainPort !== 0 && t.certFile === '')
    throw new ConfigError(`${at} plainPort opens a plaintext listener beside the TLS one; without certFile every listener is plaintext already`);
}

function validateAuth(a: AuthConfig, file: string, line: number): void {
  const at = `${file}:${line}: [auth]`;
  if (a.enabled && a.usersFile === '')
    throw new ConfigError(`${at} enabled=true needs usersFile, the JSON file of users (create it with metaq user add --users FILE NAME)`);
  if (a.legacyPort !== 0 && a.legacyUser === '') throw new ConfigError(`${at} legacyPort needs legacyUser, the user whose rights old clients on that port get`);
  if (a.legacyPort !== 0 && !a.enabled)
    throw new ConfigError(`${at} legacyPort is for a broker with enabled=true; without it every port takes old clients already`);
  if ((a.brokerUser === '') !== (a.brokerPassword === ''))
    throw new ConfigError(`${at} brokerUser and brokerPassword go together: the login this broker uses on its replication links`);
}

function defaults(keys: Record<string, KeySpec>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(keys).map(([key, spec]) => [key, spec.default]));
}

function assign(target: Record<string, unknown>, keys: Record<string, KeySpec>, entry: IniEntry, file: string, section: string): void {
  const spec = keys[entry.key];
  if (spec === undefined) {
    throw new ConfigError(
      `${file}:${entry.line}: unknown key ${JSON.stringify(entry.key)} in [${section}], did you mean '${closest(entry.key, Object.keys(keys))}'?`,
    );
  }
  if (entry.value === '') return; // blank = not set, inherit
  target[entry.key] = parseValue(spec, entry, file);
}

function parseValue(spec: KeySpec, entry: IniEntry, file: string): number | boolean | string {
  const at = `${file}:${entry.line}: ${entry.key}`;
  if (spec.kind === 'string') return entry.value;
  if (spec.kind === 'bool') {
    if (entry.value === 'true' || entry.value === 'false') return entry.value === 'true';
    throw new ConfigError(`${at} must be true or false, got ${JSON.stringify(entry.value)}`);
  }
  let value: number;
  try {
    value = evaluateIntegerExpression(entry.value);
  } catch {
    throw new ConfigError(`${at} must be an integer or an integer expression like 1024*1024, got ${JSON.stringify(entry.value)}`);
  }
  if ((spec.min !== undefined && value < spec.min) || (spec.max !== undefined && value > spec.max)) {
    throw new ConfigError(`${at} is ${value} but must be between ${spec.min ?? '-∞'} and ${spec.max ?? '∞'}`);
  }
  return value;
}

function closest(key: string, candidates: string[]): string {
  let best = candidates[0]!;
  for (const candidate of candidates) {
    if (distance(key.toLowerCase(), candidate.toLowerCase()) < distance(key.toLowerCase(), best.toLowerCase())) best = candidate;
  }
  return best;
}

function validatePolicies(policy: string, when: string, file: string, section: string): void {
  try {
    parseRetentionPolicy(policy);
    new Cron(when, { paused: true }).stop();
  } catch (error) {
    throw new ConfigError(`${file}: [${section}] ${(error as Error).message}`, { cause: error });
  }
}

/** Settings in force for one topic: its section's overrides over `[system]`. */
export interface EffectiveTopicSettings {
  numPartitions: number;
  unflushThreshold: number;
  unflushInterval: number;
  deletePolicy: string;
  deleteWhen: string;
  dataPath: string;
  acceptPublish: boolean;
  acceptSubscribe: boolean;
  stat: boolean;
  /** Byte rates for the topic as a whole (0: none), metaq quotas. */
  produceBytesPerSecond: number;
  fetchBytesPerSecond: number;
  /** Index each message's attribute as its key (metaq). */
  keyIndex: boolean;
  /** Trace each message's path (metaq). */
  trace: boolean;
  /** Largest message payload a put may carry, 0: no limit but the request size (metaq). */
  maxMessageSize: number;
}

/** Does `topic` match a section name, where `*` matches any run of characters (docs/operations.md)? */
export function topicMatches(pattern: string, topic: string): boolean {
  if (!pattern.includes('*')) return pattern === topic;
  const regex = new RegExp(
    `^${pattern
      .split('*')
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return regex.test(topic);
}

/**
 * The settings for a topic. An exact section wins; a topic accepted only through a wildcard
 * section gets that section's overrides too (MetaQ gave it the global ones, which surprised
 * operators who configured the wildcard; we document the difference).
 */
/** Each topics array's sections by exact name, built once: with 10,000 sections a scan per lookup made resolving every topic quadratic. */
const byName = new WeakMap<readonly TopicConfig[], Map<string, TopicConfig>>();

function sectionsByName(topics: readonly TopicConfig[]): Map<string, TopicConfig> {
  let map = byName.get(topics);
  if (map === undefined) byName.set(topics, (map = new Map(topics.map((t) => [t.name, t]))));
  return map;
}

export function topicSettings(config: BrokerConfig, topic: string): EffectiveTopicSettings | undefined {
  const section = sectionsByName(config.topics).get(topic) ?? config.topics.find((t) => topicMatches(t.name, topic));
  if (section === undefined) return undefined;
  const s = config.system;
  return {
    numPartitions: section.numPartitions ?? s.numPartitions,
    unflushThreshold: section.unflushThreshold ?? s.unflushThreshold,
    unflushInterval: section.unflushInterval ?? s.unflushInterval,
    deletePolicy: section.deletePolicy ?? s.deletePolicy,
    deleteWhen: section.deleteWhen ?? s.deleteWhen,
    dataPath: section.dataPath ?? s.dataPath,
    acceptPublish: section.acceptPublish ?? s.acceptPublish,
    acceptSubscribe: section.acceptSubscribe ?? s.acceptSubscribe,
    stat: section.stat ?? s.stat,
    produceBytesPerSecond: section.produceBytesPerSecond ?? s.produceBytesPerSecond,
    fetchBytesPerSecond: section.fetchBytesPerSecond ?? s.fetchBytesPerSecond,
    keyIndex: section.keyIndex ?? s.keyIndex,
    trace: section.trace ?? s.trace,
    maxMessageSize: section.maxMessageSize ?? s.maxMessageSize,
  };
}
