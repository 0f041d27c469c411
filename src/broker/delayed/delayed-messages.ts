import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Clock } from '../../common/clock.js';
import { checksum } from '../../common/checksum.js';
import { completeRecordSize, iterateRecords, RECORD_HEADER_SIZE } from '../../protocol/record.js';
import { DeliveredMarks } from '../../storage/delivered-marks.js';
import type { FileIO } from '../../storage/io/file-io.js';
import { PartitionLog } from '../../storage/partition-log.js';
import type { PartitionStore } from '../../storage/partition-store.js';
import type { ScheduledSet } from './scheduled-set.js';
import { decodeScheduledSet, deliverAtOf, encodeScheduledSet } from './scheduled-set.js';
import { TimingWheel } from './timing-wheel.js';

/** The schedule's directory under dataPath; no `<topic>-<n>` name, so never taken for a partition. */
export const SCHEDULE_DIR = '.delayed';
/** The wheel: 100 ms ticks, 600 slots (a minute a turn). */
const TICK_MS = 100;
const SLOTS = 600;
/** A delivery that failed (partition closed, broker fenced, disk full) is tried again after this, doubling to a minute. */
const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 60_000;
/** How often delivered segments are dropped and the marks rewritten. */
const COMPACT_EVERY_MS = 60_000;
const SCAN_CHUNK = 1024 * 1024;

export interface DelayedMessagesOptions {
  dataPath: string;
  io: FileIO;
  logger: Logger;
  clock: Clock;
  unflushThreshold: number;
  unflushInterval: number;
  maxSegmentSize: number;
}

/** A scheduled set in the wheel: where its entry is in the schedule log. */
interface Entry {
  offset: number;
  size: number;
  deliverAtMs: number;
  retryMs: number;
}

/**
 * Delayed and scheduled messages (RocketMQ's timer messages). A scheduled set is appended to the
 * broker's schedule log (a partition log of its own under `<dataPath>/.delayed`, with the same
 * flush policy and recovery as any partition), then waits in a timing wheel; when it is due it
 * is appended to its partition with fresh ids, and its entry is marked delivered. On start the
 * undelivered entries are read back into the wheel. Delivery is at least once: a crash between
 * the append and the mark delivers that set again after restart. Segments of the schedule log
 * whose entries are all delivered are deleted.
 */
export class DelayedMessages {
  private readonly wheel: TimingWheel<Entry>;
  private readonly pendingEntries = new Map<number, Entry>();
  /** Offsets of delivered entries still in the log (their marks). */
  private readonly delivered: Set<number>;
  private timer: NodeJS.Timeout | undefined;
  private lastCompaction: number;
  private deliver: ((scheduled: ScheduledSet) => Promise<void>) | undefined;
  /** Due batches are delivered one after another, so sets due earlier are appended first. */
  private deliveries: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly options: DelayedMessagesOptions,
    private readonly log: PartitionStore,
    private readonly marks: DeliveredMarks,
    delivered: Set<number>,
  ) {
    this.delivered = delivered;
    this.wheel = new TimingWheel(TICK_MS, SLOTS, options.clock.wallMs());
    this.lastCompaction = options.clock.monotonicMs();
  }

  /** Open the schedule and put every undelivered entry back in the wheel (nothing is delivered before `start`). */
  static async open(options: DelayedMessagesOptions): Promise<DelayedMessages> {
    const dir = join(options.dataPath, SCHEDULE_DIR);
    const log = await PartitionLog.open({
      dir,
      io: options.io,
      logger: options.logger,
      clock: options.clock,
      unflushThreshold: options.unflushThreshold,
      unflushInterval: options.unflushInterval,
      maxSegmentSize: options.maxSegmentSize,
    });
    const { marks, delivered } = await DeliveredMarks.open(options.io, dir);
    const delayed = new DelayedMessages(options, log, marks, delivered);
    for (let offset = log.minOffset; offset < log.writtenEnd;) {
      const chunk = await delayed.readAt(offset, SCAN_CHUNK);
      let advanced = 0;
      for (const record of iterateRecords(chunk)) {
        const at = offset + record.position;
        if (!delivered.has(at)) delayed.track({ offset: at, size: record.size, deliverAtMs: deliverAtOf(record.payload), retryMs: RETRY_FIRST_MS });
        advanced = record.position + record.size;
      }
      if (advanced === 0) break; // a corrupt range: recovery reported it; nothing after it is readable here
      offset += advanced;
    }
    await delayed.compact();
    options.logger.info({ component: 'delayed', pending: delayed.pending }, 'schedule loaded');
    return delayed;
  }

  /** Scheduled sets not yet delivered. */
  get pending(): number {
    return this.pendingEntries.size;
  }

  /** Start delivering due sets through `deliver` (a master does; a slave only keeps the schedule). */
  start(deliver: (scheduled: ScheduledSet) => Promise<void>): void {
    this.deliver = deliver;
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
    this.tick();
  }

  /** Store a set in the schedule; `done` hears the entry's offset (the schedule id) once it is as durable as a put. */
  schedule(scheduled: ScheduledSet, id: bigint, done: (error: Error | undefined, offset: number) => void): void {
    const payload = encodeScheduledSet(scheduled);
    const stored = (error: Error | undefined, offset: number): void => {
      if (error === undefined) this.track({ offset, size: RECORD_HEADER_SIZE + payload.length, deliverAtMs: scheduled.deliverAtMs, retryMs: RETRY_FIRST_MS });
      done(error, offset);
    };
    this.log.append({ kind: 'record', payload, flag: 0, id, checksum: checksum(payload), done: stored });
  }

  private track(entry: Entry): void {
    this.pendingEntries.set(entry.offset, entry);
    this.wheel.add(entry.deliverAtMs, entry);
  }

  private tick(): void {
    if (this.closed || this.deliver === undefined) return;
    const due = this.wheel.advance(this.options.clock.wallMs());
    if (due.length > 0) {
      const deliver = this.deliver;
      this.deliveries = this.deliveries.then(() => this.deliverInOrder(due, deliver));
    }
    if (this.options.clock.monotonicMs() - this.lastCompaction >= COMPACT_EVERY_MS) {
      this.lastCompaction = this.options.clock.monotonicMs();
      this.compact().catch((error: unknown) =>
        this.options.logger.warn({ component: 'delayed', err: error }, 'could not compact the schedule; will try again'),
      );
    }
  }

  /**
   * Read the due entries together, then hand them to `deliver` in due order without waiting
   * between them: the appends queue in that order, and their flushes are shared.
   */
  private async deliverInOrder(entries: Entry[], deliver: (scheduled: ScheduledSet) => Promise<void>): Promise<void> {
    const sets = await Promise.all(entries.map((entry) => this.readEntry(entry).catch((error: unknown) => error as Error)));
    await Promise.all(
      entries.map((entry, i) => {
        const set = sets[i]!;
        return this.deliverEntry(entry, set instanceof Error ? Promise.reject(set) : deliver(set));
      }),
    );
  }

  private async readEntry(entry: Entry): Promise<ScheduledSet> {
    const record = await this.readAt(entry.offset, entry.size);
    const [view] = iterateRecords(record);
    if (view === undefined) throw new Error(`no whole schedule entry at ${entry.offset}`);
    return decodeScheduledSet(view.payload);
  }

  private async deliverEntry(entry: Entry, delivery: Promise<void>): Promise<void> {
    try {
      await delivery;
      this.pendingEntries.delete(entry.offset);
      this.delivered.add(entry.offset);
      await this.marks.add(entry.offset);
    } catch (error) {
      if (this.closed) return;
      this.options.logger.warn(
        { component: 'delayed', err: error, entry: entry.offset, retryInMs: entry.retryMs },
        'could not deliver a scheduled set; will try again',
      );
      this.wheel.add(this.options.clock.wallMs() + entry.retryMs, entry);
      entry.retryMs = Math.min(entry.retryMs * 2, RETRY_MAX_MS);
    }
  }

  /** `length` bytes of the schedule log at `offset`, or the whole record there if it is longer. */
  private async readAt(offset: number, length: number): Promise<Buffer> {
    const chunk = await this.log.read(offset, length);
    if (completeRecordSize(chunk, 0) > 0 || chunk.length < RECORD_HEADER_SIZE) return chunk;
    return this.log.read(offset, RECORD_HEADER_SIZE + chunk.readInt32BE(0));
  }

  /** Delete schedule segments whose entries are all delivered, and forget their marks. */
  private async compact(): Promise<void> {
    let lowWater = this.log.writtenEnd;
    for (const offset of this.pendingEntries.keys()) lowWater = Math.min(lowWater, offset);
    const sealed = this.log.sealedSegments();
    for (let n = 0; n < sealed.length; n += 1) {
      const end = sealed[n + 1]?.start ?? this.log.segmentStartFor(this.log.writtenEnd);
      if (end > lowWater) break;
      await this.options.io.unlink(sealed[n]!.path);
      await this.log.dropOldestSegment(sealed[n]!.start);
    }
    // Marks of deleted segments go with them; every entry still in the log keeps its mark.
    let forgotten = 0;
    for (const offset of this.delivered) {
      if (offset >= this.log.minOffset) continue;
      this.delivered.delete(offset);
      forgotten += 1;
    }
    if (forgotten > 0) await this.marks.rewrite(() => this.delivered);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.deliveries;
    await this.log.close();
    await this.marks.close();
  }
}
