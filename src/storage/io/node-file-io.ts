import { constants, createReadStream, createWriteStream, writeSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rmdir, stat, statfs, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import type { DiskSpace, FileIO, IoFile, IoStat, OpenMode } from './file-io.js';

/** A write made on the event loop that took longer than this sends writes to the thread pool... */
const SLOW_INLINE_WRITE_MS = 1;
/** ...for this long. */
const POOL_AFTER_SLOW_WRITE_MS = 1000;

/** Which writes one NodeFileIO makes on the calling thread, shared by its files. */
interface InlineWrites {
  maxBytes: number;
  /** Until then (performance.now()), every write goes to the pool: an inline one was slow. */
  poolUntil: number;
}

class NodeFile implements IoFile {
  constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    private readonly inline: InlineWrites,
  ) {}

  async write(data: Buffer, position: number): Promise<void> {
    // A small write only copies into the page cache: doing it here costs a few microseconds, where
    // a trip through libuv's thread pool costs a thread wake-up each way (with a thousand
    // partitions, most of the broker's time). Large writes still go to the pool.
    if (data.length <= this.inline.maxBytes && performance.now() >= this.inline.poolUntil) {
      const started = performance.now();
      for (let done = 0; done < data.length;) {
        const wrote = writeSync(this.handle.fd, data, done, data.length - done, position + done);
        if (wrote === 0) throw Object.assign(new Error(`EIO: a write to ${this.path} wrote nothing`), { code: 'EIO' });
        done += wrote;
      }
      // It blocked (the kernel throttles writers when too much is dirty): the event loop, and
      // every connection, waited with it. Use the pool for a while.
      if (performance.now() - started > SLOW_INLINE_WRITE_MS) this.inline.poolUntil = performance.now() + POOL_AFTER_SLOW_WRITE_MS;
      return;
    }
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await this.handle.write(data, done, data.length - done, position + done);
      done += bytesWritten;
    }
  }

  async read(target: Buffer, targetOffset: number, length: number, position: number): Promise<number> {
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.handle.read(target, targetOffset + done, length - done, position + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done;
  }

  datasync(): Promise<void> {
    return this.handle.datasync();
  }

  truncate(length: number): Promise<void> {
    return this.handle.truncate(length);
  }

  async size(): Promise<number> {
    return (await this.handle.stat()).size;
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

/** Writes up to this size are made on the calling thread by default (`[system] inlineWriteMaxBytes`). */
export const DEFAULT_INLINE_WRITE_MAX_BYTES = 64 * 1024;

/** The real file system. */
export class NodeFileIO implements FileIO {
  private readonly inline: InlineWrites;

  /** @param inlineWriteMaxBytes writes up to this size are made synchronously on the calling thread (0: every write goes to libuv's thread pool) */
  constructor(inlineWriteMaxBytes = DEFAULT_INLINE_WRITE_MAX_BYTES) {
    this.inline = { maxBytes: inlineWriteMaxBytes, poolUntil: 0 };
  }

  async open(path: string, mode: OpenMode, permissions = 0o644): Promise<IoFile> {
    const flags = mode === 'read' ? constants.O_RDONLY : mode === 'update' ? constants.O_RDWR : constants.O_RDWR | constants.O_CREAT;
    return new NodeFile(path, await open(path, flags, permissions), this.inline);
  }

  async list(dir: string): Promise<string[]> {
    try {
      return await readdir(dir);
    } catch (error) {
      if (isMissing(error)) return [];
      throw error;
    }
  }

  async mkdirp(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
  }

  async stat(path: string): Promise<IoStat | undefined> {
    try {
      const s = await stat(path, { bigint: true });
      return { size: Number(s.size), mtimeMs: Number(s.mtimeMs), isDirectory: s.isDirectory(), fileId: `${s.dev}:${s.ino}`, mode: Number(s.mode & 0o7777n) };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  rename(from: string, to: string): Promise<void> {
    return rename(from, to);
  }

  unlink(path: string): Promise<void> {
    return unlink(path);
  }

  rmdir(dir: string): Promise<void> {
    return rmdir(dir);
  }

  async diskSpace(path: string): Promise<DiskSpace> {
    const fs = await statfs(path);
    return { totalBytes: fs.blocks * fs.bsize, freeBytes: fs.bavail * fs.bsize };
  }

  async syncDir(dir: string): Promise<void> {
    const handle = await open(dir, constants.O_RDONLY);
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  async readFile(path: string): Promise<Buffer | undefined> {
    try {
      return await readFile(path);
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  readStream(path: string): Readable {
    return createReadStream(path);
  }

  writeStream(path: string): Writable {
    return createWriteStream(path);
  }
}
