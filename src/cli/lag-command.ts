import { textTable } from './text-table.js';
import { tokenOf } from './broker-token.js';
import type { BrokerToken } from './broker-token.js';
import { AdminClient } from '../admin/admin-client.js';
import type { GroupView } from '../admin/views/group-view.js';

export interface LagOptions {
  /** Admin API URLs, one per broker (the lag of a partition is known by the broker holding it). */
  brokers: string[];
  token: BrokerToken;
  group: string | undefined;
  topic: string | undefined;
  json: boolean;
  /** Also metaq's own groups (metaq get, the console's reads, the monitor's probe). */
  all?: boolean;
}

/** One partition of one group, as `metaq lag` prints it. */
export interface LagRow {
  group: string;
  topic: string;
  /** `brokerId-partition`, as MetaQ names partitions. */
  partition: string;
  /** The group's committed offset (ZooKeeper), else the offset of its last get on the broker. */
  position: number | undefined;
  positionFrom: 'committed' | 'fetched' | 'none';
  endOffset: number;
  lagBytes: number;
  /** Estimated: lagBytes / the partition's average message size (docs/admin-api.md). */
  lagMessagesEstimate: number;
  /** The position is past the partition's end: shown as such, lag 0. */
  pastEnd: boolean;
  owner: string | undefined;
  lastFetchAgoMs: number | undefined;
}

/**
 * `metaq lag`: every consumer group's lag per partition, from each broker's admin API (the
 * same figures as the metrics' `metaq_consumer_lag_bytes` and the console's group pages).
 * Offsets are byte positions, so lag is in bytes, as MetaQ's pending view counts it.
 */
export async function lag(options: LagOptions, out: NodeJS.WritableStream, nowMs = Date.now()): Promise<LagRow[]> {
  const rows: LagRow[] = [];
  for (const url of options.brokers) {
    const admin = new AdminClient(url, tokenOf(options.token, url));
    const { brokerId } = await admin.call<{ brokerId: number }>('GET', '/broker');
    const { groups } = await admin.call<{ groups: GroupView[] }>('GET', options.all === true ? '/groups?all=true' : '/groups');
    for (const group of groups) {
      if (options.group !== undefined && group.group !== options.group) continue;
      for (const p of group.partitions) {
        if (options.topic !== undefined && p.topic !== options.topic) continue;
        const position = p.committed ?? p.fetched;
        rows.push({
          group: group.group,
          topic: p.topic,
          partition: `${brokerId}-${p.partition}`,
          position,
          positionFrom: p.committed !== undefined ? 'committed' : p.fetched !== undefined ? 'fetched' : 'none',
          endOffset: p.maxOffset,
          lagBytes: p.lagBytes,
          lagMessagesEstimate: p.lagMessagesEstimate,
          pastEnd: p.pastEnd,
          owner: p.owner ?? p.client,
          lastFetchAgoMs: p.lastFetchMs === undefined ? undefined : Math.max(0, nowMs - p.lastFetchMs),
        });
      }
    }
  }
  rows.sort((a, b) => a.group.localeCompare(b.group) || a.topic.localeCompare(b.topic) || a.partition.localeCompare(b.partition, 'en', { numeric: true }));
  if (options.json) out.write(`${JSON.stringify(rows)}\n`);
  else out.write(formatTable(rows, options));
  return rows;
}

function formatTable(rows: readonly LagRow[], options: LagOptions): string {
  if (rows.length === 0) {
    const which = options.group === undefined ? 'no consumer group' : `group ${options.group}`;
    return `${which} has fetched${options.topic === undefined ? '' : ` ${options.topic}`} from ${options.brokers.join(', ')} since it started, and ZooKeeper holds no offsets for it there\n`;
  }
  const header = ['GROUP', 'TOPIC', 'PARTITION', 'POSITION', 'END', 'LAG BYTES', 'LAG MSGS (EST.)', 'OWNER', 'LAST FETCH'];
  const table = rows.map((r) => [
    r.group,
    r.topic,
    r.partition,
    r.position === undefined ? '-' : `${r.position}${r.positionFrom === 'fetched' ? ' (fetched)' : ''}`,
    String(r.endOffset),
    r.pastEnd ? 'past end' : String(r.lagBytes),
    r.pastEnd ? 'past end' : `~${r.lagMessagesEstimate}`,
    r.owner ?? '-',
    r.lastFetchAgoMs === undefined ? '-' : `${(r.lastFetchAgoMs / 1000).toFixed(1)} s ago`,
  ]);
  const total = rows.reduce((sum, r) => sum + r.lagBytes, 0);
  const messages = rows.reduce((sum, r) => sum + r.lagMessagesEstimate, 0);
  return `${textTable(header, table)}total lag ${total} bytes, about ${messages} messages (bytes / average message size)\n`;
}
