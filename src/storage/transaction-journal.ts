import { join } from 'node:path';
import type { Logger } from 'pino';
import { StorageCodes, StorageError } from '../common/errors.js';
import { makeDirDurably } from './durable-dir.js';
import { writeFileAtomically } from './atomic-file.js';
import type { FileIO, IoFile } from './io/file-io.js';
import type { JournalRecord } from './tx-journal-codec.js';
import { decodeJournalRecord, encodeJournalRecord } from './tx-journal-codec.js';

/** A record's place: file `redo.<number>`, byte `offset` in it. */
export interface JournalPosition {
  number: number;
  offset: number;
}

export interface ReplayedRecord {
  record: JournalRecord;
  position: JournalPosition;
  /** The record as stored, for rewriting parts of it in place (a commit's batch offsets). */
  bytes: Buffer;
}

export interface TransactionJournalOptions {
  /** `<dataLogPath>/transactions` */
  dir: string;
  io: FileIO;
  logger: Logger;
  /** MetaQ's flushTxLogAtCommit: 0 never fsync, 1 fsync forced records (commit, rollback, prepare), 2 fsync once a second. */
  flushMode: 0 | 1 | 2;
  /** Start a new redo file past this size (MetaQ: 64 MiB). */
  maxFileSize?: number;
  /** Checkpoint files kept (MetaQ's maxCheckpoints). */
  maxCheckpoints: number;
}

const REDO = /^redo\.(\d+)$/;
const CHECKPOINT = /^checkpoint\.(\d+)$/;

/**
 * The transaction redo log (docs/transactions.md): records appended to `redo.<n>` files in order, a new file past
 * the size limit, `checkpoint.<n>` files naming where replay must start (the oldest record any
 * unfinished transaction still needs), and files wholly before the checkpoint deleted.
 * `open` replays from the latest checkpoint and cuts a torn tail.
 */
export class TransactionJournal {
  private file!: IoFile;
  private fileNumber = 0;
  private end = 0;
  /** Records waiting for the write in progress; they go out together in the next one. */
  private queued: Array<{ bytes: Buffer; placed: (position: JournalPosition) => void; failed: (error: unknown) => void }> = [];
  private writeLoop: Promise<void> | undefined;
  /** Files written since their last fsync (a forced record syncs older files too). */
  private readonly dirty = new Set<IoFile>();
  private readonly olderFiles = new Map<number, IoFile>();
  private syncLoop: Promise<void> | undefined;
  private syncWanted = false;
  private timer: NodeJS.Timeout | undefined;
  /** Checkpoint files on disk, oldest first; the last is where replay starts. */
  private checkpoints: Array<{ n: number; at: JournalPosition }> = [];
  private closed = false;

  private constructor(private readonly options: TransactionJournalOptions) {}

  static async open(options: TransactionJournalOptions): Promise<{ journal: TransactionJournal; replay: ReplayedRecord[] }> {
    const journal = new TransactionJournal(options);
    const replay = await journal.load();
    if (options.flushMode === 2) {
      journal.timer = setInterval(
        () => void journal.sync().catch((error: unknown) => options.logger.error({ err: error }, 'transaction journal fsync failed')),
        1000,
      );
      journal.timer.unref();
    }
    return { journal, replay };
  }

  private async load(): Promise<ReplayedRecord[]> {
    const { io, dir, logger } = this.options;
    await makeDirDurably(io, dir);
    const names = await io.list(dir);
    const numbers = (pattern: RegExp): number[] =>
      names
        .flatMap((name) => pattern.exec(name)?.[1] ?? [])
        .map(Number)
        .sort((a, b) => a - b);
    for (const n of numbers(CHECKPOINT)) {
      const text = (await io.readFile(join(dir, `checkpoint.${n}`)))?.toString('utf8') ?? '';
      // Java MetaQ creates checkpoint.<n> empty and fills it later: "no location yet", not damage.
      if (text === '') continue;
      try {
        const parsed = JSON.parse(text) as Partial<JournalPosition>;
        if (typeof parsed.number === 'number' && typeof parsed.offset === 'number')
          this.checkpoints.push({ n, at: { number: parsed.number, offset: parsed.offset } });
      } catch {
        // written atomically, so only a foreign or hand-edited file gets here; older ones still count
      }
      if (this.checkpoints.at(-1)?.n !== n) logger.warn({ component: 'tx-journal', file: `checkpoint.${n}`, text }, 'unreadable checkpoint ignored');
    }
    const start = this.replayStart;
    const files = numbers(REDO).filter((n) => n >= start.number);
    const replay: ReplayedRecord[] = [];
    for (const number of files) {
      const path = join(dir, `redo.${number}`);
      const bytes = (await io.readFile(path)) ?? Buffer.alloc(0);
      let at = number === start.number ? start.offset : 0;
      while (at < bytes.length) {
        const decoded = decodeJournalRecord(bytes, at);
        if (decoded === undefined) break;
        replay.push({ record: decoded.record, position: { number, offset: at }, bytes: bytes.subarray(at, at + decoded.size) });
        at += decoded.size;
      }
      if (at < bytes.length) {
        logger.warn(
          { component: 'tx-journal', file: path, at, dropped: bytes.length - at },
          'transaction journal ends in a torn or unreadable record; cut there',
        );
        const file = await io.open(path, 'write');
        await file.truncate(at);
        await file.datasync();
        await file.close();
      }
    }
    this.fileNumber = Math.max(files.at(-1) ?? 1, start.number, 1);
    this.file = await io.open(join(dir, `redo.${this.fileNumber}`), 'write');
    this.end = await this.file.size();
    await io.syncDir(dir);
    return replay;
  }

  private get replayStart(): JournalPosition {
    return this.checkpoints.at(-1)?.at ?? { number: 1, offset: 0 };
  }

  /** Where the next record will go. */
  get position(): JournalPosition {
    return { number: this.fileNumber, offset: this.end };
  }

  /**
   * Append one record; resolves with its position once written, and fsynced when `record.force`
   * asks for it and the flush mode honours it (mode 1).
   */
  append(record: JournalRecord): Promise<{ position: JournalPosition; bytes: Buffer }> {
    if (this.closed) return Promise.reject(new StorageError(StorageCodes.closed, `transaction journal ${this.options.dir} is closed`));
    const bytes = encodeJournalRecord(record);
    const written = new Promise<JournalPosition>((placed, failed) => this.queued.push({ bytes, placed, failed }));
    this.writeLoop ??= this.writeQueued().finally(() => {
      this.writeLoop = undefined;
    });
    return written.then(async (position) => {
      if (record.force && this.options.flushMode === 1) await this.sync();
      return { position, bytes };
    });
  }

  /** Write queued records in order, as few writes as possible: records that arrive together share one. */
  private async writeQueued(): Promise<void> {
    const maxFileSize = this.options.maxFileSize ?? 64 * 1024 * 1024;
    while (this.queued.length > 0) {
      const batch = this.queued.splice(0);
      let at = 0;
      while (at < batch.length) {
        if (this.end > 0 && this.end + batch[at]!.bytes.length > maxFileSize) await this.rotate();
        // As many records as fit in this file go out in one write.
        let size = 0;
        let until = at;
        while (until < batch.length && (until === at || this.end + size + batch[until]!.bytes.length <= maxFileSize)) size += batch[until++]!.bytes.length;
        const group = batch.slice(at, until);
        const start = this.end;
        try {
          await this.file.write(
            group.length === 1
              ? group[0]!.bytes
              : Buffer.concat(
                  group.map((entry) => entry.bytes),
                  size,
                ),
            start,
          );
        } catch (error) {
          for (const entry of batch.slice(at)) entry.failed(error);
          break;
        }
        this.end += size;
        this.dirty.add(this.file);
        let offset = start;
        for (const entry of group) {
          entry.placed({ number: this.fileNumber, offset });
          offset += entry.bytes.length;
        }
        at = until;
      }
    }
  }

  /** Overwrite bytes of a written record in place (a commit's batch offsets, once known); not fsynced. */
  async rewrite(position: JournalPosition, bytes: Buffer): Promise<void> {
    const file = position.number === this.fileNumber ? this.file : this.olderFiles.get(position.number);
    if (file === undefined) return; // already behind a checkpoint and deleted
    await file.write(bytes, position.offset);
    this.dirty.add(file);
  }

  private async rotate(): Promise<void> {
    this.olderFiles.set(this.fileNumber, this.file);
    this.fileNumber += 1;
    this.file = await this.options.io.open(join(this.options.dir, `redo.${this.fileNumber}`), 'write');
    this.end = 0;
    await this.options.io.syncDir(this.options.dir);
  }

  /** fsync every file written since its last fsync; concurrent callers share the work. */
  sync(): Promise<void> {
    this.syncWanted = true;
    this.syncLoop ??= (async () => {
      while (this.syncWanted) {
        this.syncWanted = false;
        const files = [...this.dirty];
        this.dirty.clear();
        await Promise.all(files.map((file) => file.datasync()));
      }
    })().finally(() => {
      this.syncLoop = undefined;
    });
    return this.syncLoop;
  }

  /**
   * Record that replay may start at `oldest` (the first record an unfinished transaction needs;
   * the current end when none), if that moved forward, and delete what is no longer needed.
   */
  async checkpoint(oldest: JournalPosition | undefined): Promise<void> {
    const at = oldest ?? this.position;
    const last = this.replayStart;
    if (at.number < last.number || (at.number === last.number && at.offset <= last.offset)) return;
    await this.sync();
    const { io, dir, maxCheckpoints } = this.options;
    const n = (this.checkpoints.at(-1)?.n ?? 0) + 1;
    await writeFileAtomically(io, join(dir, `checkpoint.${n}`), Buffer.from(JSON.stringify(at)));
    this.checkpoints.push({ n, at });
    while (this.checkpoints.length > maxCheckpoints) await io.unlink(join(dir, `checkpoint.${this.checkpoints.shift()!.n}`));
    // Redo files before the oldest checkpoint kept are replayed from none of them.
    const needed = this.checkpoints[0]!.at.number;
    for (const [number, file] of this.olderFiles) {
      if (number >= needed) continue;
      await file.close();
      this.olderFiles.delete(number);
    }
    for (const name of await io.list(dir)) {
      const redo = REDO.exec(name);
      if (redo && Number(redo[1]) < needed) await io.unlink(join(dir, name));
    }
    await io.syncDir(dir);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.writeLoop;
    if (this.options.flushMode !== 0) await this.sync();
    for (const file of this.olderFiles.values()) await file.close();
    await this.file.close();
  }
}
