import { basename, dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import picomatch from 'picomatch';
import { glob } from 'tinyglobby';
import type { OutgoingMessage, SendResult } from '../../client/message.js';
import type { FileIO } from '../../storage/io/file-io.js';
import { fingerprintOf, FollowedFile } from './followed-file.js';
import type { LogRecord } from './record-joiner.js';
import { TailCheckpoint } from './tail-checkpoint.js';
import type { FileCheckpoint } from './tail-checkpoint.js';
import { defaultTailOptions } from './tail-defaults.js';

export interface TailOptions {
  topic: string;
  /** Glob patterns of the files to ship (`/var/log/app/*.log`). */
  files: string[];
  /** A line matching this starts a record; the lines after it up to the next start belong to it. */
  startOfRecord?: RegExp;
  checkpointPath: string;
  /** Where files found at the very first start (no checkpoint yet) begin: their start, or their end like `tail -f`. */
  from: 'start' | 'end';
  pollMs: number;
  /** A batch: read up to this many records or bytes, send them, wait for every ack, save the checkpoint. */
  batchRecords: number;
  batchBytes: number;
  /** Quiet time after which a record being joined (or a rotated file's last line) is complete. */
  quietMs: number;
  maxRecordBytes: number;
  /** One send at a time per file: strict order even when a send fails and is retried. */
  ordered: boolean;
  /** Send each record with its file's path as the message attribute. */
  pathAttribute: boolean;
}

export { defaultTailOptions };

export interface RecordSender {
  send(message: OutgoingMessage): Promise<SendResult>;
}

export interface TailProgress {
  files: number;
  shippedRecords: number;
  shippedBytes: number;
}

/** Retry a failed send after this long, doubling up to the maximum. */
const RETRY_MS = { initial: 100, max: 5_000 };

/**
 * `metaq tail`, the log shipping agent (MetaQ's tail4j; docs/integrations.md). Every poll it finds the files
 * matching the globs, follows each by its open handle, turns new bytes into records, sends them
 * with back-pressure (nothing more is read while a batch waits for its acks) and saves the
 * checkpoint after every acked batch, so a crash repeats at most that batch.
 *
 * Rotation: a renamed file is still followed through its handle and read to its end, wherever it
 * went; a truncated file (copy-truncate) continues in its copy from the shipped offset, the copy
 * found by its first bytes, and starts again at byte 0.
 */
export class TailAgent {
  private readonly followed = new Map<string, FollowedFile>();
  /** Files that look like a copy of a followed file: left alone unless that file is truncated. */
  private readonly parked = new Set<string>();
  private readonly matches: (path: string) => boolean;
  private shippedRecords = 0;
  private shippedBytes = 0;

  private constructor(
    private readonly io: FileIO,
    private readonly sender: RecordSender,
    private readonly options: TailOptions,
    private readonly checkpoint: TailCheckpoint,
    private readonly logger: Logger,
    private readonly now: () => number,
  ) {
    this.matches = picomatch(options.files);
  }

  static async open(io: FileIO, sender: RecordSender, options: TailOptions, logger: Logger, now: () => number = Date.now): Promise<TailAgent> {
    if (options.files.length === 0) throw new Error('metaq tail needs at least one --files glob');
    const checkpoint = await TailCheckpoint.open(io, options.checkpointPath);
    const agent = new TailAgent(io, sender, options, checkpoint, logger, now);
    await agent.resume();
    return agent;
  }

  get progress(): TailProgress {
    return { files: this.followed.size, shippedRecords: this.shippedRecords, shippedBytes: this.shippedBytes };
  }

  /** Poll until `signal` aborts: discover, ship, checkpoint. */
  async run(signal: AbortSignal, onProgress?: (progress: TailProgress) => void): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      let shipped = 0;
      try {
        shipped = await this.poll(signal);
        failures = 0;
      } catch (error) {
        if (signal.aborted) break;
        failures += 1;
        this.logger.warn({ err: error, failures }, 'tail: a poll failed; retrying');
      }
      onProgress?.(this.progress);
      // Keep reading without a pause while there is a backlog.
      if (shipped === 0 || failures > 0)
        await delay(failures > 0 ? Math.min(RETRY_MS.max, RETRY_MS.initial * 2 ** failures) : this.options.pollMs, undefined, { signal }).catch(
          () => undefined,
        );
    }
  }

  /**
   * One round: find files, then from each ship one batch and save the checkpoint, so at most one
   * batch is ever sent and not yet recorded. Returns the records shipped.
   */
  async poll(signal?: AbortSignal): Promise<number> {
    await this.discover();
    let shipped = 0;
    for (const file of [...this.followed.values()]) {
      if (signal?.aborted) break;
      const sent = await this.shipBatch(file, signal);
      shipped += sent;
      if (file.rotated && file.idle && (await file.size()) <= file.shipped && this.now() - file.lastActivityMs >= this.options.quietMs) {
        this.logger.info({ path: file.path, offset: file.shipped }, 'tail: rotated file shipped to its end; letting it go');
        this.followed.delete(file.fileId);
        await file.close();
      } else if (sent === 0) continue;
      await this.saveCheckpoint();
    }
    // New files, truncations and copies change the checkpoint even when nothing was sent.
    if (shipped === 0) await this.saveCheckpoint();
    return shipped;
  }

  private saveCheckpoint(): Promise<void> {
    return this.checkpoint.save([...this.followed.values()].map((file) => file.checkpoint()));
  }

  async close(): Promise<void> {
    await Promise.all([...this.followed.values()].map((file) => file.close()));
    this.followed.clear();
  }

  /** At start: pick every checkpointed file up where it was shipped to, wherever it is now. */
  private async resume(): Promise<void> {
    const firstStart = this.checkpoint.loaded.length === 0 && (await this.io.stat(this.options.checkpointPath)) === undefined;
    const found = await this.find();
    for (const entry of this.checkpoint.loaded) {
      const path = [...found].find(([, id]) => id === entry.fileId)?.[0] ?? (await this.findRenamed(entry));
      if (path === undefined) {
        this.logger.warn({ path: entry.path, offset: entry.offset }, 'tail: a checkpointed file is gone; whatever it held past the checkpoint was not shipped');
        continue;
      }
      const file = await this.follow(path, entry.fileId, entry.offset, entry.path);
      if (file === undefined) continue;
      file.rotated = !found.has(path);
      // Truncated (or its inode reused) while the agent was down: finish the old content from its copy.
      if ((await file.size()) < entry.offset || (await this.fingerprintAt(path, entry.fingerprintLength)) !== entry.fingerprint)
        await this.contentReplaced(file, entry);
    }
    for (const [path, fileId] of found) {
      if (this.followed.has(fileId)) continue;
      if (await this.looksLikeCopy(path)) {
        this.parked.add(fileId);
        continue;
      }
      const start = firstStart && this.options.from === 'end' ? Number.MAX_SAFE_INTEGER : 0;
      await this.follow(path, fileId, start, path);
    }
  }

  /** Renamed while the agent was down: look beside where it was (`app.log` → `app.log.1`). */
  private async findRenamed(entry: FileCheckpoint): Promise<string | undefined> {
    const dir = dirname(entry.path);
    for (const name of await this.io.list(dir)) {
      const path = join(dir, name);
      if ((await this.io.stat(path))?.fileId === entry.fileId) return path;
    }
    return undefined;
  }

  /** Paths matching the globs now, with their file ids. */
  private async find(): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (const path of (await glob(this.options.files, { absolute: true, onlyFiles: true })).sort()) {
      const stat = await this.io.stat(path);
      if (stat !== undefined && !stat.isDirectory) found.set(path, stat.fileId);
    }
    return found;
  }

  private async discover(): Promise<void> {
    const found = await this.find();
    const ids = new Set(found.values());
    for (const file of this.followed.values()) {
      const at = [...found].find(([, id]) => id === file.fileId)?.[0];
      if (at !== undefined) {
        file.path = at;
        file.rotated = false;
      } else if (!file.rotated) {
        file.rotated = true;
        this.logger.info({ path: file.path }, 'tail: file rotated away; reading it to its end');
      }
      if (!file.rotated && (await file.replaced())) await this.contentReplaced(file, file.checkpoint());
    }
    for (const [path, fileId] of found) {
      if (this.followed.has(fileId)) continue;
      if (await this.looksLikeCopy(path)) {
        this.parked.add(fileId);
        continue;
      }
      this.parked.delete(fileId);
      await this.follow(path, fileId, 0, path);
    }
    for (const id of this.parked) if (!ids.has(id)) this.parked.delete(id);
  }

  /**
   * Copy-truncate: what the file held (`was`: its first bytes and how far it was shipped) is now in
   * a copy beside it, found by those first bytes. Ship the copy from the shipped offset, then read
   * the file again from byte 0.
   */
  private async contentReplaced(file: FollowedFile, was: FileCheckpoint): Promise<void> {
    const copy = was.fingerprintLength === 0 ? undefined : await this.findCopy(file, was);
    if (copy === undefined) {
      this.logger.warn(
        { path: file.path, shipped: was.offset },
        'tail: file truncated or replaced and no copy of it found; lines written after the last read and before the truncation are lost',
      );
    } else {
      this.logger.info({ path: file.path, copy: copy.path, offset: was.offset }, 'tail: file truncated (copy-truncate); shipping the rest from its copy');
      const adopted = await this.follow(copy.path, copy.fileId, was.offset, file.key);
      if (adopted !== undefined) adopted.rotated = !this.matches(copy.path);
      this.parked.delete(copy.fileId);
    }
    await file.restartFromZero();
  }

  private async findCopy(file: FollowedFile, was: FileCheckpoint): Promise<{ path: string; fileId: string } | undefined> {
    const dir = dirname(file.path);
    const name = basename(file.path);
    // logrotate names the copy after the file (app.log.1, app.log-20261125): look there first.
    const names = (await this.io.list(dir)).filter((n) => n !== name).sort((a, b) => Number(!a.startsWith(name)) - Number(!b.startsWith(name)));
    for (const candidate of names) {
      const path = join(dir, candidate);
      const stat = await this.io.stat(path);
      if (stat === undefined || stat.isDirectory || this.followed.has(stat.fileId) || stat.size < was.offset) continue;
      if ((await this.fingerprintAt(path, was.fingerprintLength)) === was.fingerprint) return { path, fileId: stat.fileId };
    }
    return undefined;
  }

  /**
   * A new match named after a followed file still at its path (app.log → app.log.1) and starting
   * with its first bytes: a copy being made for copy-truncate.
   */
  private async looksLikeCopy(path: string): Promise<boolean> {
    for (const file of this.followed.values()) {
      if (file.rotated || file.fingerprintLength === 0 || dirname(file.path) !== dirname(path) || !basename(path).startsWith(basename(file.path))) continue;
      if ((await this.fingerprintAt(path, file.fingerprintLength)) === file.fingerprint) return true;
    }
    return false;
  }

  private async fingerprintAt(path: string, length: number): Promise<string | undefined> {
    const handle = await this.io.open(path, 'read').catch(() => undefined);
    if (handle === undefined) return undefined;
    try {
      return await fingerprintOf(handle, length);
    } finally {
      await handle.close();
    }
  }

  private async follow(path: string, fileId: string, from: number, key: string): Promise<FollowedFile | undefined> {
    let file: FollowedFile;
    try {
      file = await FollowedFile.open(
        this.io,
        path,
        fileId,
        key,
        from,
        { startOfRecord: this.options.startOfRecord, maxRecordBytes: this.options.maxRecordBytes },
        this.now(),
      );
    } catch (error) {
      this.logger.warn({ err: error, path }, 'tail: cannot open file; will try again next poll');
      return undefined;
    }
    // It may have been replaced between the listing and the open: follow what was opened.
    const opened = await this.io.stat(path);
    if (opened?.fileId !== fileId) {
      await file.close();
      return undefined;
    }
    this.followed.set(fileId, file);
    return file;
  }

  /** Read one batch of a file and send it; the shipped position moves only once every record is acked. */
  private async shipBatch(file: FollowedFile, signal: AbortSignal | undefined): Promise<number> {
    const records = await file.read(this.options.batchRecords, this.options.batchBytes, this.now(), this.options.quietMs);
    if (records.length === 0) return 0;
    await this.sendAll(file, records, signal);
    file.shipped = records.at(-1)!.end;
    this.shippedRecords += records.length;
    this.shippedBytes += records.reduce((n, r) => n + r.data.length, 0);
    return records.length;
  }

  private async sendAll(file: FollowedFile, records: LogRecord[], signal: AbortSignal | undefined): Promise<void> {
    const message = (record: LogRecord): OutgoingMessage => ({
      topic: this.options.topic,
      data: record.data,
      key: file.key,
      attribute: this.options.pathAttribute ? file.path : undefined,
    });
    let pending = records;
    for (let attempt = 0; pending.length > 0; attempt += 1) {
      if (attempt > 0) {
        if (signal?.aborted) throw new Error('tail stopped while a batch waited to be sent; it will be sent again at the next start');
        await delay(Math.min(RETRY_MS.max, RETRY_MS.initial * 2 ** (attempt - 1)), undefined, { signal }).catch(() => undefined);
      }
      if (this.options.ordered) {
        const failed = await this.sendInOrder(pending.map(message));
        pending = pending.slice(pending.length - failed);
      } else {
        const results = await Promise.allSettled(pending.map((record) => this.sender.send(message(record))));
        const failures = results.flatMap((result, i) => (result.status === 'rejected' ? [{ record: pending[i]!, error: result.reason as Error }] : []));
        if (failures.length > 0) this.logger.warn({ err: failures[0]!.error, failed: failures.length, path: file.path }, 'tail: sends failed; retrying them');
        pending = failures.map((f) => f.record);
      }
    }
  }

  /** Sends one at a time; returns how many, from the first failure on, are still to send. */
  private async sendInOrder(messages: OutgoingMessage[]): Promise<number> {
    for (let i = 0; i < messages.length; i += 1) {
      try {
        await this.sender.send(messages[i]!);
      } catch (error) {
        this.logger.warn({ err: error, remaining: messages.length - i }, 'tail: send failed; retrying in order');
        return messages.length - i;
      }
    }
    return 0;
  }
}
