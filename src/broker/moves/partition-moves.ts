import { moveKey, readMoves } from '../../coordination/zk/reassignments.js';
import type { VersionedMove } from '../../coordination/zk/reassignments.js';
import type { MoveHost } from './move-host.js';
import { MoveSource } from './move-source.js';
import { MoveTarget } from './move-target.js';
import { MoveWake } from './move-wake.js';

/** A move this broker takes part in, for `stats`, metrics and the admin API. */
export interface MoveStatus {
  topic: string;
  role: 'source' | 'target';
  from: string;
  to: string;
  state: string;
  /** Bytes the target holds of the partition, and of the source's end, when known. */
  copiedBytes?: number;
  totalBytes?: number;
  problem?: string;
}

/**
 * This broker's share of the online partition moves recorded in ZooKeeper (docs/cluster.md,
 * moving partitions): a MoveSource for each move out of it, a MoveTarget for each move into it.
 * Each runs until its part is over; a crash of any party is resumed from the record at the next
 * start, since every step is written there before it counts.
 */
export class PartitionMoves {
  private readonly controller = new AbortController();
  private readonly wake = new MoveWake(this.controller.signal);
  private readonly running = new Map<string, { task: MoveSource | MoveTarget; done: Promise<void> }>();
  private latest: VersionedMove[] = [];
  private refreshing: Promise<void> | undefined;
  private again = false;

  constructor(private readonly host: MoveHost) {}

  /** Restore the fences the recorded moves imply (before the broker registers its topics), then run this broker's parts. */
  async start(): Promise<void> {
    const me = this.host.brokerId;
    const { fences } = this.host;
    for (const move of await readMoves(this.host.session, this.host.znodes)) {
      const { topic, source, target } = move;
      if (source.broker === me && (move.state === 'fenced' || move.state === 'switched')) {
        fences.fenceMovingOut(
          topic,
          source.partition,
          `partition ${source.broker}-${source.partition} of ${topic} is moving to broker ${target.broker}; send to another partition`,
        );
        if (move.state === 'switched') fences.markMovedAway(topic, source.partition);
      }
      if (target.broker === me && target.partition !== undefined && move.state !== 'switched' && move.state !== 'done') {
        fences.markArriving(topic, target.partition);
        fences.fence(topic, target.partition, `partition ${target.broker}-${target.partition} of ${topic} is still a copy being moved here`);
      }
    }
    this.host.session.on('established', this.onChange);
    await this.refresh();
  }

  /** One function for every watch (the ZooKeeper client keeps one registration per function). */
  private readonly onChange = (): void => {
    this.wake.wakeAll();
    if (!this.controller.signal.aborted)
      void this.refresh().catch((error: unknown) =>
        this.host.logger.warn({ component: 'moves', err: error }, 'could not read the partition moves; will retry on the next change'),
      );
  };

  private refresh(): Promise<void> {
    if (this.refreshing !== undefined) {
      this.again = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      do {
        this.again = false;
        this.latest = await readMoves(this.host.session, this.host.znodes, this.onChange);
        for (const move of this.latest) this.take(move);
      } while (this.again && !this.controller.signal.aborted);
    })().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  /** Start this broker's part of a move, unless it runs already or is over. */
  private take(move: VersionedMove): void {
    const me = this.host.brokerId;
    for (const role of ['source', 'target'] as const) {
      if (move[role].broker !== me || move.state === 'done' || (role === 'target' && move.state === 'switched' && this.adopted(move))) continue;
      const key = `${role} ${moveKey(move.topic, move.source.broker, move.source.partition)}`;
      if (this.running.has(key)) continue;
      const task = role === 'source' ? new MoveSource(this.host, move) : new MoveTarget(this.host, move);
      const done = task
        .run(this.controller.signal, this.wake)
        .catch((error: unknown) => this.host.logger.error({ component: 'moves', err: error, move: key }, 'move stopped on an unexpected error'))
        .finally(() => this.running.delete(key));
      this.running.set(key, { task, done });
    }
  }

  private adopted(move: VersionedMove): boolean {
    return (
      (this.host.stores.settings(move.topic)?.numPartitions ?? 0) > (move.target.partition ?? Infinity) &&
      this.host.fences.refusal(move.topic, move.target.partition!) === undefined
    );
  }

  /** The moves this broker takes part in, as last read. */
  status(): MoveStatus[] {
    const me = this.host.brokerId;
    const rows: MoveStatus[] = [];
    for (const move of this.latest) {
      for (const role of ['source', 'target'] as const) {
        if (move[role].broker !== me) continue;
        const running = this.running.get(`${role} ${moveKey(move.topic, move.source.broker, move.source.partition)}`)?.task;
        const copy = running instanceof MoveTarget ? running.copyStatus : undefined;
        const start = move.sourceStart ?? 0;
        const end = copy?.localEnd ?? move.targetEnd;
        const sourceEnd = move.state === 'fenced' || copy === undefined ? move.sourceEnd : Math.max(copy.sourceEnd, move.sourceEnd ?? -1);
        rows.push({
          topic: move.topic,
          role,
          from: `${move.source.broker}-${move.source.partition}`,
          to: `${move.target.broker}-${move.target.partition ?? '?'}`,
          state: move.state,
          copiedBytes: end === undefined || end < 0 ? undefined : end - start,
          totalBytes: sourceEnd === undefined || sourceEnd < 0 ? undefined : sourceEnd - start,
          problem: copy?.problem ?? move.problem,
        });
      }
    }
    return rows;
  }

  async close(): Promise<void> {
    this.host.session.off('established', this.onChange);
    this.controller.abort();
    await Promise.all([...this.running.values()].map((r) => r.done));
  }
}
