/** Label values of the series that sums every partition without its own (metricsPartitionSeries). */
export const OTHER_PARTITIONS = { topic: '_other', partition: '_other' } as const;

/**
 * Which partitions have their own series in /metrics: the first `cap` the broker holds, in the
 * order it loaded or created them (stable from scrape to scrape). With thousands of partitions a
 * series per partition made /metrics megabytes and seconds long; the rest are summed into one
 * series labelled `_other` (sizes, counts, traffic) or left out (offsets, which do not add up).
 */
export class PartitionSeries {
  constructor(
    private readonly partitions: () => ReadonlyMap<string, ReadonlyMap<number, unknown>>,
    readonly cap: number,
  ) {}

  /** The chosen partitions as of now: call once per collect. */
  chosen(): (topic: string, partition: number) => boolean {
    const own = new Map<string, Set<number>>();
    let left = this.cap;
    for (const [topic, logs] of this.partitions()) {
      if (left <= 0) break;
      const set = new Set<number>();
      own.set(topic, set);
      for (const partition of logs.keys()) {
        if (left <= 0) break;
        set.add(partition);
        left -= 1;
      }
    }
    return (topic, partition) => own.get(topic)?.has(partition) === true;
  }
}

/** Label value of the consumer lag series that sums every group without its own (metricsGroupSeries). */
export const OTHER_GROUPS = '_other';

/** What the lag metric needs of a group (admin/views' GroupView). */
interface GroupLag {
  group: string;
  members: readonly string[];
  partitions: ReadonlyArray<{ topic: string; partition: number; committed: number | undefined; lagBytes: number }>;
}

/**
 * The metaq_consumer_lag_bytes series: one per group and partition for the first `cap` group
 * and partition pairs, the rest summed per partition into group="_other". Group names are chosen
 * by clients (any `get` names one, and the broker keeps 100,000 fetch positions), so without a
 * cap one client made up groups and /metrics grew by a series per name: 30 MB a scrape. Groups
 * ZooKeeper knows (a committed offset or a member) come first, then the rest by name, so invented
 * fetch-only names cannot push a real cluster consumer out. Partitions without their own series
 * (`own`) are labelled `_other` as elsewhere. At most `cap` + partition series + 1 series.
 */
export function consumerLagSeries(
  groups: readonly GroupLag[],
  own: (topic: string, partition: number) => boolean,
  cap: number,
): Map<string, { labels: { group: string; topic: string; partition: string | number }; value: number }> {
  const known = (g: GroupLag): boolean => g.members.length > 0 || g.partitions.some((p) => p.committed !== undefined);
  // A stable sort: readGroups lists them by name already.
  const ordered = [...groups].sort((a, b) => Number(known(b)) - Number(known(a)));
  const out = new Map<string, { labels: { group: string; topic: string; partition: string | number }; value: number }>();
  let left = cap;
  for (const group of ordered) {
    for (const p of group.partitions) {
      const where = own(p.topic, p.partition) ? { topic: p.topic, partition: p.partition } : OTHER_PARTITIONS;
      const name = left > 0 ? group.group : OTHER_GROUPS;
      if (left > 0) left -= 1;
      const key = `${name}\u0000${where.topic}\u0000${where.partition}`;
      const found = out.get(key);
      if (found === undefined) out.set(key, { labels: { group: name, ...where }, value: p.lagBytes });
      else found.value += p.lagBytes;
    }
  }
  return out;
}
