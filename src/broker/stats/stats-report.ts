import { crc32 } from 'node:zlib';
import type { PartitionStore } from '../../storage/partition-store.js';
import type { PartitionStores } from '../partition-stores.js';
import type { BrokerConfig } from '../config/broker-config.js';
import type { BrokerCounters } from './broker-counters.js';
import type { RealtimeStats } from './realtime-stats.js';
import { RealtimeKinds } from './realtime-stats.js';
import type { RealtimeKind } from './realtime-stats.js';

export interface StatsSources {
  config: BrokerConfig;
  counters: BrokerCounters;
  realtime: RealtimeStats;
  stores: PartitionStores;
  transactions: { list(): Array<{ key: string; state: string; messages: number; ageMs: number }> };
  replication: { role: string; statusLines(): string[] };
  version: string;
  port: () => number;
  startedAtMs: number;
}

const HELP = [
  '*EMPTY* Returns broker info.',
  'help Returns help menu.',
  'topics Returns topics statistics detail info.',
  'offsets Returns partitions detail info.',
  'realtime Returns realtime statistics detail info.',
  "config Returns broker's config file content.",
  'transactions Returns open and heuristically completed transactions: key state messages age_ms.',
  "replication Returns this broker's replication role and, per partition, how far its copy or its slave's has got.",
];

/** The text of a `stats` reply for an item (docs/protocol.md, stats); `config` is handled by the caller. */
export function statsReport(item: string | undefined, s: StatsSources): string {
  const lines = !item
    ? summary(s)
    : item === 'help'
      ? HELP
      : item === 'topics'
        ? topics(s)
        : item === 'offsets'
          ? offsets(s)
          : item === 'realtime'
            ? realtime(s)
            : item === 'reset'
              ? reset(s)
              : item === 'transactions'
                ? transactions(s)
                : item === 'replication'
                  ? s.replication.statusLines()
                  : topic(item, s);
  return `STATS\r\n${lines.map((line) => `${line}\r\n`).join('')}END\r\n`;
}

function sumLogs(s: StatsSources, value: (log: PartitionStore) => number): number {
  let total = 0;
  for (const partitions of s.stores.all().values()) for (const log of partitions.values()) total += value(log);
  return total;
}

function topicNames(s: StatsSources): string[] {
  const names = new Set([...s.stores.all().keys(), ...s.config.topics.map((t) => t.name)]);
  return [...names].sort();
}

function summary(s: StatsSources): string[] {
  const c = s.counters;
  return [
    `pid ${process.pid}`,
    `broker_id ${s.config.system.brokerId}`,
    `port ${s.port()}`,
    `uptime ${Math.floor((Date.now() - s.startedAtMs) / 1000)}`,
    `version ${s.version}`,
    `slave ${s.replication.role !== 'master'}`,
    `curr_connections ${c.currentConnections}`,
    // Node has one JS thread plus the libuv pool; report the pool size operators tune.
    `threads ${1 + Number(process.env.UV_THREADPOOL_SIZE ?? 4)}`,
    `cmd_put ${c.cmdPut}`,
    `cmd_get ${c.cmdGet}`,
    `cmd_offset ${c.cmdOffset}`,
    `tx_begin ${c.txBegin}`,
    `tx_xa_begin ${c.txXaBegin}`,
    `tx_commit ${c.txCommit}`,
    `tx_rollback ${c.txRollback}`,
    `get_miss ${c.getMiss}`,
    `put_failed ${c.putFailed}`,
    `total_messages ${sumLogs(s, (log) => log.messageCount)}`,
    `topics ${topicNames(s).length}`,
    `config_checksum ${crc32(Buffer.from(s.config.text, 'utf8'))}`,
    // metaq additions: what startup recovery found (torn-tail bytes cut, corrupt ranges refused).
    `recovery_truncated_bytes ${sumLogs(s, (log) => log.recovery.truncatedBytes)}`,
    `corrupt_ranges ${sumLogs(s, (log) => log.corruptRanges.length)}`,
  ];
}

function topics(s: StatsSources): string[] {
  return topicNames(s).map((name) => {
    const partitions = s.stores.all().get(name);
    if (partitions === undefined || partitions.size === 0) return `${name} *Empty*`;
    const settings = s.stores.settings(name);
    let count = 0;
    let bytes = 0;
    for (const log of partitions.values()) {
      count += log.messageCount;
      bytes += log.sizeInBytes;
    }
    return `${name} partitions ${partitions.size} message_count ${count} message_bytes ${bytes} accept_publish ${settings?.acceptPublish ?? true} accept_subscribe ${settings?.acceptSubscribe ?? true}`;
  });
}

function offsets(s: StatsSources): string[] {
  const lines: string[] = [];
  for (const [name, partitions] of [...s.stores.all()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    for (const [partition, log] of [...partitions].sort(([a], [b]) => a - b)) {
      lines.push(`${name} part ${partition} min_offset ${log.minOffset} max_offset ${log.visibleEnd}`);
    }
  }
  return lines;
}

/** MetaQ's realtime keys; `put_slave` (replicated puts) only on slaves, where MetaQ counts them (docs/replication.md). */
function reportedKinds(s: StatsSources): readonly RealtimeKind[] {
  return s.replication.role === 'master' ? RealtimeKinds.filter((kind) => kind !== 'put_slave') : RealtimeKinds;
}

function realtime(s: StatsSources): string[] {
  return reportedKinds(s).map((kind) => `realtime_${kind} ${s.realtime.total(kind)}`);
}

function reset(s: StatsSources): string[] {
  s.realtime.reset();
  return ['reset ok'];
}

function transactions(s: StatsSources): string[] {
  return s.transactions.list().map((tx) => `${tx.key} ${tx.state} ${tx.messages} ${tx.ageMs}`);
}

function topic(name: string, s: StatsSources): string[] {
  const partitions = s.stores.all().get(name);
  const settings = s.stores.settings(name);
  const configured = settings !== undefined;
  const hasData = partitions !== undefined && partitions.size > 0;
  let count = 0;
  let bytes = 0;
  for (const log of partitions?.values() ?? []) {
    count += log.messageCount;
    bytes += log.sizeInBytes;
  }
  return [
    name,
    `resultCode ${hasData ? 0 : configured ? 2 : 1}`,
    `partitions ${partitions?.size ?? 0}`,
    `message_count ${count}`,
    `bytes ${bytes}`,
    ...reportedKinds(s).map((kind) => `topic_realtime_${kind} ${s.realtime.forTopic(kind, name)}`),
    // metaq: the partitions a put may create (0 for a topic refused), which direct-mode clients need before any exist.
    `num_partitions ${settings?.numPartitions ?? 0}`,
  ];
}
