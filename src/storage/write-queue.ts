import type { QueuedAppend } from './log-append.js';
import { queuedSize } from './log-append.js';

/** Largest single write; bigger backlogs go out in several writes. */
const MAX_BATCH_BYTES = 4 * 1024 * 1024;

function nextTurn(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

/** Queues whose drain starts at the end of this turn: one immediate starts them all. */
let dueAtTurnEnd: WriteQueue[] = [];

function startDue(): void {
  const due = dueAtTurnEnd;
  dueAtTurnEnd = [];
  for (let i = 0; i < due.length; i += 1) due[i]!.startScheduled();
}

/**
 * Start `queue`'s drain at the end of this turn. Every partition written in a turn starts in
 * the same immediate, so their acks are answered in one socket write per connection rather than
 * one per partition (with a thousand partitions, one immediate each cost more than the writes).
 */
function startAtTurnEnd(queue: WriteQueue): void {
  dueAtTurnEnd.push(queue);
  if (dueAtTurnEnd.length === 1) setImmediate(startDue);
}

/**
 * The appends of one partition waiting to be written, and when they are written: appends that
 * arrive in one event-loop turn go out as one write, taken in arrival order up to the room left
 * in the segment. One drain runs at a time; it is started at the end of the turn (or at once,
 * for a large set) and again whenever entries arrived while it ran.
 */
export class WriteQueue {
  private entries: QueuedAppend[] = [];
  private scheduled = false;
  /** The running drain, if any. */
  private running: Promise<void> | undefined;
  private taken = 0;
  /** @internal Called at the end of the turn it was scheduled in. */
  startScheduled(): void {
    this.scheduled = false;
    this.start();
  }
  private readonly drained = (): void => {
    this.running = undefined;
    if (this.entries.length > 0) this.start();
  };

  /**
   * @param drain writes entries with `take` until there are none (or it must stop)
   * @param drainFailed told when a drain throws
   */
  constructor(
    private readonly drain: () => Promise<void>,
    private readonly drainFailed: (error: unknown) => void,
  ) {}

  get length(): number {
    return this.entries.length;
  }

  /** A drain is scheduled or running. */
  get busy(): boolean {
    return this.scheduled || this.running !== undefined;
  }

  /** Queue an entry, written at the end of this turn with whatever else arrives in it. */
  add(entry: QueuedAppend): void {
    this.entries.push(entry);
    if (this.running === undefined && !this.scheduled) {
      this.scheduled = true;
      startAtTurnEnd(this);
    }
  }

  /**
   * Queue an entry and start writing now if no write is running: waiting for the turn's end
   * would hold a large set behind every set still being read from the socket in this turn.
   */
  addNow(entry: QueuedAppend): void {
    this.entries.push(entry);
    this.start();
  }

  private start(): void {
    if (this.running !== undefined || this.entries.length === 0) return;
    this.running = this.drain().catch(this.drainFailed).finally(this.drained);
  }

  /**
   * The next write: entries in arrival order, at least one, while they fit in `room` bytes
   * (never more than 4 MiB). `takenBytes` is their size in the log.
   */
  take(room: number): QueuedAppend[] {
    const limit = Math.max(1, Math.min(MAX_BATCH_BYTES, room));
    let count = 0;
    let bytes = 0;
    while (count < this.entries.length) {
      const size = queuedSize(this.entries[count]!);
      if (count > 0 && bytes + size > limit) break;
      bytes += size;
      count += 1;
    }
    this.taken = bytes;
    if (count === this.entries.length) {
      const all = this.entries;
      this.entries = [];
      return all;
    }
    const batch = this.entries.slice(0, count);
    this.entries = this.entries.slice(count);
    return batch;
  }

  /** Bytes of the entries the last `take` returned. */
  get takenBytes(): number {
    return this.taken;
  }

  /** Empty the queue (the log was fenced): the caller fails what was in it. */
  takeAll(): QueuedAppend[] {
    const all = this.entries;
    this.entries = [];
    return all;
  }

  /** Resolves once every entry queued so far has been written (or failed). */
  async whenWritten(): Promise<void> {
    while (this.busy || this.entries.length > 0) await (this.running ?? nextTurn());
  }

  /** Resolves once no drain is scheduled or running (closing: nothing new is queued). */
  async whenIdle(): Promise<void> {
    while (this.busy) await (this.running ?? nextTurn());
  }
}
