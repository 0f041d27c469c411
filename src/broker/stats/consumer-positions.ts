/** Where a consumer group last fetched one partition, and from where. */
export interface ConsumerPosition {
  group: string;
  topic: string;
  partition: number;
  /** The offset of its last get: everything before it was fetched. */
  offset: number;
  atMs: number;
  client: string;
}

/**
 * The fetch position of every group on every partition of this broker, taken from `get`
 * commands. This works whatever offset storage the group uses (ZooKeeper, MariaDB, a file), so
 * lag is known even when the committed offsets are out of the broker's sight.
 */
export class ConsumerPositions {
  private readonly positions = new Map<string, ConsumerPosition>();
  /** Fetches not recorded because `limit` positions were held (a client inventing group names). */
  unrecorded = 0;

  /** `limit`: positions held at most; groups that keep fetching keep theirs, new ones wait for old ones to be forgotten. */
  constructor(private readonly limit = 100_000) {}

  record(group: string, topic: string, partition: number, offset: number, atMs: number, client: string): void {
    const key = `${group}\u0000${topic}\u0000${partition}`;
    const position = this.positions.get(key);
    if (position === undefined) {
      if (this.positions.size >= this.limit) this.unrecorded += 1;
      else this.positions.set(key, { group, topic, partition, offset, atMs, client });
    } else {
      position.offset = offset;
      position.atMs = atMs;
      position.client = client;
    }
  }

  all(): ConsumerPosition[] {
    return [...this.positions.values()];
  }

  /** Forget groups that have not fetched for a while (a finished job, a renamed group). */
  forgetOlderThan(cutoffMs: number): void {
    for (const [key, position] of this.positions) if (position.atMs < cutoffMs) this.positions.delete(key);
  }
}
