import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type ZongJi from '@vlasky/zongji';
import type { AnyBinlogEvent, RowsEvent, UpdateRowData } from '@vlasky/zongji';
import type { Producer } from '../../client/index.js';
import type { BinlogCheckpoint, BinlogPosition } from './binlog-checkpoint.js';
import { formatPosition } from './binlog-checkpoint.js';
import type { RowChange } from './row-change.js';
import { encodeRow, partitionKey, pickKey } from './row-change.js';
import type { SourceDatabase } from './source-database.js';
import { defaultBinlogOptions } from './binlog-defaults.js';

export interface BinlogOptions {
  topic: string;
  /** Where to begin when there is no checkpoint: the oldest binlog kept, or changes from now on. */
  from: 'start' | 'end';
  /** Schemas and tables to publish (ZongJi's includeSchema); all when absent. */
  tables?: Record<string, string[] | true>;
  /** The replica server id this reader presents; unique among the source's replicas. */
  serverId: number;
  /** How often acked changes move the checkpoint. */
  checkpointMs: number;
  /** Row changes sent and not yet acked before the binlog stream is paused. */
  maxInFlight: number;
}

export { defaultBinlogOptions };

export interface BinlogProgress {
  published: number;
  position: string;
}

/** Starts a binlog stream: ZongJi's constructor, bound to the source by the caller. */
export type OpenStream = () => ZongJi;

const ROW_EVENTS = new Set(['writerows', 'updaterows', 'deleterows']);
/** Binlog events waiting to be handled before the stream is paused (a row event holds many rows). */
const MAX_QUEUED_EVENTS = 64;

/** A session ended by a failure; `at` is the last position it saved, where the next one resumes. */
class SessionFailure extends Error {
  constructor(
    readonly at: BinlogPosition,
    cause: unknown,
  ) {
    super(`binlog session failed: ${(cause as Error)?.message ?? String(cause)}`, { cause });
  }
}

/** MariaDB's "could not find the binlog" family: no retry can fix it. */
function isFatal(error: unknown): boolean {
  const errno = (error as { errno?: number }).errno;
  return errno === 1236 || errno === 1945 || errno === 1955;
}

/**
 * `metaq binlog`: reads a MariaDB/MySQL row-based binlog and publishes each row change to a
 * topic, keyed by table and primary key so that one row's changes stay in order on one
 * partition. Sends are pipelined; every `checkpointMs` the position of the last transaction whose
 * changes are all acked is saved. Any failure (a send, the stream) ends the session and a new
 * one resumes from the checkpoint: changes since it are published again (at least once), and the
 * apply side is idempotent, so the copy still converges.
 */
export class BinlogPublisher {
  private published = 0;
  private readonly warnedKeyless = new Set<string>();

  constructor(
    private readonly source: SourceDatabase,
    private readonly openStream: OpenStream,
    private readonly producer: Producer,
    private readonly checkpoint: BinlogCheckpoint,
    private readonly options: BinlogOptions,
    private readonly logger: Logger,
  ) {}

  /** Publish until `signal` aborts; sessions that fail are restarted with back-off. */
  async run(signal: AbortSignal, onProgress?: (progress: BinlogProgress) => void): Promise<void> {
    await this.source.checkLogsRows();
    let resumeAt = this.checkpoint.loaded;
    if (resumeAt === undefined) {
      resumeAt = this.options.from === 'start' ? await this.source.start() : await this.source.end();
      await this.checkpoint.save(resumeAt); // so a crash before the first change still starts here, not at a later end
    }
    let backoffMs = 250;
    while (!signal.aborted) {
      const before = this.published;
      try {
        resumeAt = await this.session(resumeAt, signal, onProgress);
      } catch (error) {
        if (!(error instanceof SessionFailure)) throw error;
        resumeAt = error.at;
        if (isFatal(error.cause))
          throw new Error(
            `the source cannot stream from ${formatPosition(resumeAt)} (${(error.cause as Error).message}): that binlog is gone; copy the tables afresh and move ${this.checkpoint.path} away`,
            { cause: error },
          );
        if (signal.aborted) break;
        backoffMs = this.published > before ? 250 : Math.min(backoffMs * 2, 10_000);
        this.logger.warn({ err: error.cause, resumeAt: formatPosition(resumeAt), retryInMs: backoffMs }, 'binlog session failed; resuming from the checkpoint');
        await sleep(backoffMs, undefined, { signal }).catch(() => undefined);
      }
    }
  }

  /**
   * One binlog stream from `from`. Resolves with the saved position when `signal` aborts after a
   * clean flush; rejects with a SessionFailure (the last saved position) when anything fails.
   */
  private async session(from: BinlogPosition, signal: AbortSignal, onProgress?: (progress: BinlogProgress) => void): Promise<BinlogPosition> {
    let saved = from;
    let last = from;
    let pending: Array<Promise<unknown>> = [];
    let inFlight = 0;
    /** Events received and not yet handled: ZongJi emits a whole socket read at once. */
    let queued = 0;
    let paused = false;
    let chain: Promise<void> = Promise.resolve();
    let failed: ((cause: unknown) => void) | undefined;
    const failure = new Promise<never>((_, reject) => {
      failed = (cause) => reject(cause instanceof Error ? cause : new Error(String(cause)));
    });
    failure.catch(() => undefined);
    const stream = this.openStream();

    const resumeIfDrained = (): void => {
      if (paused && inFlight < this.options.maxInFlight / 2 && queued < MAX_QUEUED_EVENTS / 2) {
        paused = false;
        stream.connection?.resume();
      }
    };
    const publish = (change: RowChange): void => {
      inFlight += 1;
      const sent = this.producer.send({
        topic: this.options.topic,
        data: JSON.stringify(change),
        attribute: `${change.schema}.${change.table}`,
        key: partitionKey(change),
      });
      pending.push(sent);
      sent.then(
        () => {
          this.published += 1;
          inFlight -= 1;
          resumeIfDrained();
        },
        (error: unknown) => failed!(error),
      );
    };
    const handle = async (event: RowsEvent & { rows: unknown[]; getEventName(): string }, at: BinlogPosition): Promise<void> => {
      const table = event.tableMap[event.tableId];
      if (table === undefined) throw new Error(`row event for table id ${event.tableId} arrived without its table map`);
      const { parentSchema: schema, tableName } = table;
      const keyColumns = await this.source.primaryKey(schema, tableName);
      if (keyColumns.length === 0) {
        const name = `${schema}.${tableName}`;
        if (!this.warnedKeyless.has(name))
          this.logger.warn({ table: name }, 'table has no primary key: its changes are not published (give it one to sync it)');
        this.warnedKeyless.add(name);
        return;
      }
      const base = { v: 1 as const, schema, table: tableName, gtid: event.gtid, binlog: formatPosition(at), ts: event.timestamp };
      for (const raw of event.rows) {
        if (event.getEventName() === 'updaterows') {
          const { before, after } = raw as UpdateRowData;
          const oldRow = encodeRow(before);
          const newRow = encodeRow(after);
          const oldKey = pickKey(oldRow, keyColumns);
          const newKey = pickKey(newRow, keyColumns);
          if (JSON.stringify(oldKey) === JSON.stringify(newKey)) publish({ ...base, type: 'update', key: newKey, row: newRow, before: oldRow });
          else {
            publish({ ...base, type: 'delete', key: oldKey, row: oldRow });
            publish({ ...base, type: 'insert', key: newKey, row: newRow });
          }
        } else {
          const row = encodeRow(raw as Record<string, unknown>);
          publish({ ...base, type: event.getEventName() === 'writerows' ? 'insert' : 'delete', key: pickKey(row, keyColumns), row });
        }
      }
    };

    stream.on('binlog', (event: AnyBinlogEvent) => {
      // Read now: ZongJi keeps options.filename/position at the last transaction boundary.
      const at = { file: stream.options.filename ?? last.file, position: stream.options.position ?? last.position };
      const name = event.getEventName();
      queued += 1;
      chain = chain.then(async () => {
        if (ROW_EVENTS.has(name)) await handle(event as RowsEvent & { rows: unknown[]; getEventName(): string }, at);
        last = at;
        queued -= 1;
        resumeIfDrained();
      });
      chain.catch((error: unknown) => failed!(error));
      if (!paused && (inFlight >= this.options.maxInFlight || queued >= MAX_QUEUED_EVENTS)) {
        paused = true;
        stream.connection?.pause();
      }
    });
    stream.on('error', (error: Error) => failed!(error));

    const save = async (): Promise<void> => {
      const sends = pending;
      const at = last;
      pending = [];
      await Promise.all(sends);
      await this.checkpoint.save(at);
      saved = at;
      onProgress?.({ published: this.published, position: formatPosition(saved) });
    };
    let saving: Promise<void> = Promise.resolve();
    const timer = setInterval(() => {
      saving = saving.then(save).catch((error: unknown) => failed!(error));
    }, this.options.checkpointMs);
    const stopped = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));

    stream.start({
      serverId: this.options.serverId,
      filename: from.file,
      position: from.position,
      includeEvents: ['tablemap', 'writerows', 'updaterows', 'deleterows', 'xid', 'query', 'rotate'],
      includeSchema: this.options.tables,
    });
    this.logger.info({ from: formatPosition(from), topic: this.options.topic }, 'reading the binlog');
    try {
      await Promise.race([stopped, failure]);
      stream.stop();
      clearInterval(timer);
      await Promise.race([chain, failure]);
      await saving;
      await Promise.race([save(), failure]);
      return saved;
    } catch (cause) {
      stream.stop();
      clearInterval(timer);
      await Promise.allSettled([chain, saving, ...pending]);
      // A save may have finished after the failure: its position is durable and all before it acked.
      throw new SessionFailure(saved, cause);
    }
  }
}
