import type { DiskSpace, FileIO, IoFile, IoStat, OpenMode } from './file-io.js';

/**
 * A FileIO whose open files share a bounded number of descriptors (`[system]
 * maxOpenSegmentFiles`). An open file stays a valid IoFile for as long as its owner wants it;
 * underneath, the least recently used ones are closed when the cap is reached and reopened
 * transparently on their next use. A file in the middle of a read, write or fsync is never
 * closed under it, and a file with unsynced writes is fsynced before it is closed (a fsync
 * error is then reported by the file's next datasync, as the kernel would). When every
 * descriptor is busy, an open waits for one: each call holds at most one file, so it cannot
 * deadlock. Without it, a broker with 12,000 partitions held 12,000+ descriptors for ever.
 */
export class OpenFileCache implements FileIO {
  /** Files holding a descriptor, least recently used first (Map keeps insertion order). */
  private readonly lru = new Map<CachedFile, true>();
  /** Descriptors held or being opened or closed: never more than `capacity`. */
  private held = 0;
  private readonly waiting: Array<() => void> = [];
  /** Descriptors closed to make room (each reopened on the file's next use). */
  evictions = 0;

  constructor(
    private readonly inner: FileIO,
    readonly capacity: number,
  ) {
    if (!(capacity >= 1)) throw new RangeError(`an open-file cache needs room for at least one file, not ${capacity}`);
  }

  /** Descriptors held now. */
  get openFiles(): number {
    return this.held;
  }

  async open(path: string, mode: OpenMode): Promise<IoFile> {
    const file = new CachedFile(this, this.inner, path, mode === 'read' ? 'read' : 'update');
    await this.reserve();
    try {
      file.attach(await this.inner.open(path, mode));
    } catch (error) {
      this.freed();
      throw error;
    }
    this.idled(); // idle until its first use: a waiting open may close it
    return file;
  }

  /** @internal Wait for a descriptor, closing idle files (least recently used first) to free one. */
  async reserve(): Promise<void> {
    while (this.held >= this.capacity) {
      const victim = this.idleVictim();
      if (victim !== undefined) await victim.evict();
      else await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.held += 1;
  }

  private idleVictim(): CachedFile | undefined {
    for (const file of this.lru.keys()) if (file.idle) return file;
    return undefined;
  }

  /** @internal A descriptor was closed (or its open failed). */
  freed(): void {
    this.held -= 1;
    this.waiting.shift()?.();
  }

  /** @internal A file's operation finished: a waiting open may now close it. */
  idled(): void {
    if (this.held >= this.capacity) this.waiting.shift()?.();
  }

  /** @internal The file was used: most recently used now. */
  touch(file: CachedFile): void {
    this.lru.delete(file);
    this.lru.set(file, true);
  }

  /** @internal The file no longer holds a descriptor. */
  forget(file: CachedFile, evicted: boolean): void {
    this.lru.delete(file);
    if (evicted) this.evictions += 1;
  }

  list = (dir: string): Promise<string[]> => this.inner.list(dir);
  mkdirp = (dir: string): Promise<void> => this.inner.mkdirp(dir);
  stat = (path: string): Promise<IoStat | undefined> => this.inner.stat(path);
  rename = (from: string, to: string): Promise<void> => this.inner.rename(from, to);
  unlink = (path: string): Promise<void> => this.inner.unlink(path);
  rmdir = (dir: string): Promise<void> => this.inner.rmdir(dir);
  syncDir = (dir: string): Promise<void> => this.inner.syncDir(dir);
  readFile = (path: string): Promise<Buffer | undefined> => this.inner.readFile(path);
  readStream = (path: string): ReturnType<FileIO['readStream']> => this.inner.readStream(path);
  writeStream = (path: string): ReturnType<FileIO['writeStream']> => this.inner.writeStream(path);
  diskSpace = (path: string): Promise<DiskSpace> => this.inner.diskSpace(path);
}

/** One file of an OpenFileCache: open to its owner, holding a descriptor only while the cache lets it. */
class CachedFile implements IoFile {
  private handle: IoFile | undefined;
  private opening: Promise<IoFile> | undefined;
  private closing: Promise<void> | undefined;
  /** Operations running on the descriptor. */
  private users = 0;
  private writes = 0;
  private syncedWrites = 0;
  /** A fsync failure at eviction, reported by the next datasync. */
  private deferredError: Error | undefined;
  private closed = false;

  constructor(
    private readonly cache: OpenFileCache,
    private readonly io: FileIO,
    readonly path: string,
    /** How to open it again: never `write`, which would recreate a file removed meanwhile. */
    private readonly reopenMode: OpenMode,
  ) {}

  attach(handle: IoFile): void {
    this.handle = handle;
    this.cache.touch(this);
  }

  get idle(): boolean {
    return this.handle !== undefined && this.users === 0 && this.closing === undefined;
  }

  write(data: Buffer, position: number): Promise<void> {
    this.writes += 1;
    return this.using((file) => file.write(data, position));
  }

  read(target: Buffer, targetOffset: number, length: number, position: number): Promise<number> {
    return this.using((file) => file.read(target, targetOffset, length, position));
  }

  async datasync(): Promise<void> {
    const deferred = this.deferredError;
    if (deferred !== undefined) {
      this.deferredError = undefined;
      throw deferred;
    }
    const writes = this.writes;
    if (writes === this.syncedWrites && this.handle === undefined) return; // synced when it was closed
    await this.using((file) => file.datasync());
    this.syncedWrites = Math.max(this.syncedWrites, writes);
  }

  truncate(length: number): Promise<void> {
    this.writes += 1;
    return this.using((file) => file.truncate(length));
  }

  /** Without a descriptor the size comes from the file system: asking it takes no descriptor. */
  async size(): Promise<number> {
    if (this.handle === undefined && this.opening === undefined && !this.closed) {
      const stat = await this.io.stat(this.path);
      if (stat !== undefined && this.handle === undefined) return stat.size;
    }
    return this.using((file) => file.size());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.closing;
    await this.opening?.catch(() => undefined);
    const handle = this.handle;
    if (handle === undefined) return;
    this.handle = undefined;
    this.cache.forget(this, false);
    try {
      await handle.close();
    } finally {
      this.cache.freed();
    }
  }

  /** @internal Close the descriptor to make room; the file stays open to its owner. */
  async evict(): Promise<void> {
    const handle = this.handle!;
    this.handle = undefined;
    this.cache.forget(this, true);
    const dirty = this.writes !== this.syncedWrites;
    const writes = this.writes;
    this.closing = (async () => {
      try {
        if (dirty) await handle.datasync();
        this.syncedWrites = writes;
      } catch (error) {
        this.deferredError ??= error instanceof Error ? error : new Error(String(error));
      }
      await handle.close().catch(() => undefined);
    })().finally(() => {
      this.closing = undefined;
      this.cache.freed();
    });
    await this.closing;
  }

  private async using<T>(work: (file: IoFile) => Promise<T>): Promise<T> {
    this.users += 1;
    try {
      const file = await this.descriptor();
      this.cache.touch(this);
      return await work(file);
    } finally {
      this.users -= 1;
      if (this.users === 0) this.cache.idled();
    }
  }

  private async descriptor(): Promise<IoFile> {
    for (;;) {
      if (this.closed) throw Object.assign(new Error(`EBADF: ${this.path} was closed`), { code: 'EBADF' });
      if (this.handle !== undefined) return this.handle;
      if (this.closing !== undefined) {
        await this.closing;
        continue;
      }
      this.opening ??= this.reopen().finally(() => {
        this.opening = undefined;
      });
      await this.opening;
    }
  }

  private async reopen(): Promise<IoFile> {
    await this.cache.reserve();
    try {
      const handle = await this.io.open(this.path, this.reopenMode);
      this.attach(handle);
      return handle;
    } catch (error) {
      this.cache.freed();
      throw error;
    }
  }
}
