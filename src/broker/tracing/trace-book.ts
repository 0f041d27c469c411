import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Clock } from '../../common/clock.js';
import { iterateRecords } from '../../protocol/record.js';
import type { FileIO } from '../../storage/io/file-io.js';
import type { PartitionStore } from '../../storage/partition-store.js';
import { TraceJournal } from '../../storage/trace-journal.js';

/** The trace's directory under dataPath (never taken for a partition: no `-<n>`). */
export const TRACE_DIR = '.trace';

/** One step of a traced message's path through this broker. */
export type TraceEvent =
  | { event: 'produced'; at: number; topic: string; partition: number; client: string }
  | { event: 'stored'; at: number; topic: string; partition: number; offset: number }
  | { event: 'replicated'; at: number; topic: string; partition: number; slave: string }
  | { event: 'delivered'; at: number; topic: string; partition: number; offset: number; group: string; client: string };

/** Where a write's replication is confirmed (the sync master, when there is one). */
export type WhenReplicated = (log: PartitionStore, end: number, done: (error: string | undefined) => void) => { slave: string } | undefined;

/**
 * Message tracing (RocketMQ's message trace), for topics configured with `trace=true`: when each
 * message arrived from which producer, was stored, replicated to the sync slave, and fetched by
 * which group and client,
 * queryable by message id. The newest `maxMessages` traces are kept, in memory and in a journal
 * under `<dataPath>/.trace` read back at start; older ones are forgotten.
 */
export class TraceBook {
  private readonly traces = new Map<string, TraceEvent[]>();
  /**
   * Ids in the order their traces began, from `head`: the oldest is forgotten first. Kept apart
   * from the Map because finding a Map's first key after many deletions walks their holes.
   */
  private order: string[] = [];
  private head = 0;
  private rewriting = false;

  private constructor(
    private readonly journal: TraceJournal,
    private readonly clock: Clock,
    private readonly maxMessages: number,
    private readonly logger: Logger,
  ) {}

  static async open(io: FileIO, dataPath: string, clock: Clock, maxMessages: number, logger: Logger): Promise<TraceBook> {
    const { journal, lines } = await TraceJournal.open(io, join(dataPath, TRACE_DIR));
    const book = new TraceBook(journal, clock, maxMessages, logger);
    for (const line of lines) {
      try {
        const { id, ...event } = JSON.parse(line) as TraceEvent & { id: string };
        book.keep(id, event);
      } catch {
        // a line the journal could not finish: its event is lost, the rest stands
      }
    }
    return book;
  }

  /** Messages with a trace kept. */
  get size(): number {
    return this.traces.size;
  }

  /** The events of the message with this id, in the order they happened, or undefined. */
  eventsOf(id: bigint): TraceEvent[] | undefined {
    return this.traces.get(id.toString());
  }

  /** Trace the messages written to `log`, and their replication when `whenReplicated` confirms it. */
  follow(log: PartitionStore, topic: string, partition: number, whenReplicated: WhenReplicated): void {
    log.events.on('traced', (start, bytes) => {
      const ids: bigint[] = [];
      for (const record of iterateRecords(bytes)) {
        ids.push(record.id);
        this.record(record.id, { event: 'stored', at: this.clock.wallMs(), topic, partition, offset: start + record.position });
      }
      const replication = whenReplicated(log, start + bytes.length, (error) => {
        if (error !== undefined) return;
        for (const id of ids) this.record(id, { event: 'replicated', at: this.clock.wallMs(), topic, partition, slave: replication!.slave });
      });
    });
  }

  /** Messages of a traced topic arrived from `client` and were given these ids (before they are written). */
  produced(topic: string, partition: number, ids: Iterable<bigint>, client: string): void {
    const at = this.clock.wallMs();
    for (const id of ids) this.record(id, { event: 'produced', at, topic, partition, client });
  }

  /** A get of a traced topic returned `bytes` at `offset`: every whole message in it was delivered to `group`. */
  delivered(topic: string, partition: number, offset: number, bytes: Buffer, group: string, client: string): void {
    const at = this.clock.wallMs();
    for (const record of iterateRecords(bytes))
      this.record(record.id, { event: 'delivered', at, topic, partition, offset: offset + record.position, group, client });
  }

  private record(id: bigint, event: TraceEvent): void {
    const key = id.toString();
    this.keep(key, event);
    this.journal.append(JSON.stringify({ id: key, ...event }));
    // The journal holds forgotten traces too: rewrite it with the kept ones when it is mostly those.
    if (!this.rewriting && this.journal.lines > 4 * this.maxMessages + 1000) {
      this.rewriting = true;
      const lines = [...this.traces].flatMap(([kept, events]) => events.map((e) => JSON.stringify({ id: kept, ...e })));
      this.journal
        .rewrite(lines)
        .catch((error: unknown) => this.logger.warn({ component: 'trace', err: error }, 'could not rewrite the trace journal; will try again'))
        .finally(() => (this.rewriting = false));
    }
  }

  private keep(id: string, event: TraceEvent): void {
    const events = this.traces.get(id);
    if (events !== undefined) {
      events.push(event);
      return;
    }
    this.traces.set(id, [event]);
    this.order.push(id);
    if (this.traces.size > this.maxMessages) this.traces.delete(this.order[this.head++]!);
    if (this.head > 65_536 && this.head * 2 > this.order.length) {
      this.order = this.order.slice(this.head);
      this.head = 0;
    }
  }

  /** Everything recorded so far is in the journal. */
  flushed(): Promise<void> {
    return this.journal.flushed();
  }

  close(): Promise<void> {
    return this.journal.close();
  }
}
