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
