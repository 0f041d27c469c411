import type { DiskSpace, FileIO, IoFile, IoStat, OpenMode } from './file-io.js';

/**
 * A FileIO whose open files share a bounded number of descriptors (`[system]
 * maxOpenSegmentFiles`). An open file stays a valid IoFile for as long as its owner wants it;
 * underneath, the least recently used ones are closed when the cap is reached and reopened
 * transparently on their next use. A file in the middle of a read, write or fsync is never
 * closed under it, and a file with unsynced writes is fsynced before it is closed (a fsync
 * error is then reported by every later datasync of the file: its pages may be lost, and a
 * fsync of a new descriptor would succeed, so an ack would claim them durable). When every
 * descriptor is busy, an open waits for one: each call holds at most one file, so it cannot
 * deadlock. Without it, a broker with 12,000 partitions held 12,000+ descriptors for ever.
 * An open that finds the process out of descriptors (EMFILE/ENFILE: connections hold the
 * rest) closes one of its idle files or waits and tries again, for a bounded time, so a busy
 * moment does not fail a write and fence its partition until a restart.
 */
export class OpenFileCache implements FileIO {
  /** Files holding a descriptor, least recently used first (Map keeps insertion order). */
  private readonly lru = new Map<CachedFile, true>();
  /** Descriptors held or being opened or closed: never more than `capacity`. */
  private held = 0;
  private readonly waiting: Array<() => void> = [];
  /** Descriptors closed to make room (each reopened on the file's next use). */
  evictions = 0;
  /** Opens that found the process out of descriptors and were tried again. */
  descriptorShortages = 0;
  /** Descriptors closed because their file went unused between two sweeps (`closeIdle`). */
  idleCloses = 0;
  /** Counts sweeps: a file remembers the one it was last used in. */
  private sweep = 0;

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
      file.attach(await this.openInner(path, mode));
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

  /**
   * @internal Open on the inner FileIO. Out of descriptors, the process has none to give until
   * a connection or one of our idle files lets one go: close an idle file if there is one,
   * else back off (5 ms doubling to 1 s, about 13 s in all) before failing like the open did.
   */
  async openInner(path: string, mode: OpenMode): Promise<IoFile> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await this.inner.open(path, mode);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if ((code !== 'EMFILE' && code !== 'ENFILE') || attempt >= SHORTAGE_RETRIES) throw error;
      }
      this.descriptorShortages += 1;
      const victim = this.idleVictim();
      if (victim !== undefined) await victim.evict();
      else await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 5 * 2 ** attempt)));
    }
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
    file.usedInSweep = this.sweep;
  }

  /**
   * Close the descriptors of files not used since the last call (after an fdatasync where they
   * have unsynced writes; each reopens on its next use), so partitions nobody writes or reads
   * hold none: run every `segmentFileIdleMs`, a file goes after one to two periods unused.
   * Resolves once they are closed.
   */
  async closeIdle(): Promise<void> {
    const last = this.sweep;
    this.sweep += 1;
    const idle: CachedFile[] = [];
    for (const file of this.lru.keys()) {
      if (file.usedInSweep >= last) break; // least recently used first: the rest were used since
      if (file.idle) idle.push(file);
    }
    this.idleCloses += idle.length;
    await Promise.all(idle.map((file) => file.evict(false)));
  }

  /** @internal The file no longer holds a descriptor; `evicted`: closed to make room. */
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

/** Tries of an open that fails with EMFILE/ENFILE before its error is passed on (docs/storage.md, Open files). */
const SHORTAGE_RETRIES = 20;

/** One file of an OpenFileCache: open to its owner, holding a descriptor only while the cache lets it. */
class CachedFile implements IoFile {
  private handle: IoFile | undefined;
  private opening: Promise<IoFile> | undefined;
  private closing: Promise<void> | undefined;
  /** Operations running on the descriptor. */
  private users = 0;
  /**
   * Writes and truncates that have finished (or failed: some bytes may have landed). Counted
   * only then, so a datasync records as synced only what was on the descriptor before its fsync.
   */
  private writes = 0;
  private syncedWrites = 0;
  /**
   * A fsync at eviction failed. It stays: the pages it covered may be gone, and a fsync of a
   * later descriptor succeeds (the kernel reports the error once), so every later datasync of
   * this file fails, however it interleaved with the eviction.
   */
  private syncFailure: Error | undefined;
  private closed = false;
  /** @internal The cache's sweep this file was last used in. */
  usedInSweep = 0;

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
    return this.using((file) => this.counted(file.write(data, position)));
  }

  read(target: Buffer, targetOffset: number, length: number, position: number): Promise<number> {
    return this.using((file) => file.read(target, targetOffset, length, position));
  }

  async datasync(): Promise<void> {
    this.throwSyncFailure();
    const writes = this.writes;
    // Synced when it was closed; an eviction still closing may yet fail its fsync, so wait for it.
    if (writes === this.syncedWrites && this.handle === undefined && this.closing === undefined) return;
    await this.using((file) => file.datasync(), true);
    // An eviction that ran before this fsync got its descriptor may have failed.
    this.throwSyncFailure();
    this.syncedWrites = Math.max(this.syncedWrites, writes);
  }

  truncate(length: number): Promise<void> {
    return this.using((file) => this.counted(file.truncate(length)));
  }

  /** Count a change once it is on the descriptor (or failed), never while it is in flight. */
  private async counted(change: Promise<void>): Promise<void> {
    try {
      await change;
    } finally {
      this.writes += 1;
    }
  }

  private throwSyncFailure(): void {
    if (this.syncFailure !== undefined) throw this.syncFailure;
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

  /** @internal Close the descriptor (to make room, or idle); the file stays open to its owner. */
  async evict(toMakeRoom = true): Promise<void> {
    const handle = this.handle!;
    this.handle = undefined;
    this.cache.forget(this, toMakeRoom);
    // Idle: no change is in flight, so `writes` counts everything on this descriptor.
    const writes = this.writes;
    const dirty = writes !== this.syncedWrites;
    this.closing = (async () => {
      try {
        if (dirty) await handle.datasync();
        this.syncedWrites = Math.max(this.syncedWrites, writes);
      } catch (error) {
        this.syncFailure ??= error instanceof Error ? error : new Error(String(error));
      }
      await handle.close().catch(() => undefined);
    })().finally(() => {
      this.closing = undefined;
      this.cache.freed();
    });
    await this.closing;
  }

  private async using<T>(work: (file: IoFile) => Promise<T>, syncing = false): Promise<T> {
    this.users += 1;
    try {
      const file = await this.descriptor(syncing);
      this.cache.touch(this);
      return await work(file);
    } finally {
      this.users -= 1;
      if (this.users === 0) this.cache.idled();
    }
  }

  /** `syncing`: for a datasync, which must not fsync a new descriptor after its eviction's fsync failed. */
  private async descriptor(syncing: boolean): Promise<IoFile> {
    for (;;) {
      if (this.closed) throw Object.assign(new Error(`EBADF: ${this.path} was closed`), { code: 'EBADF' });
      if (this.handle !== undefined) return this.handle;
      if (this.closing !== undefined) {
        await this.closing;
        if (syncing) this.throwSyncFailure();
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
      const handle = await this.cache.openInner(this.path, this.reopenMode);
      this.attach(handle);
      return handle;
    } catch (error) {
      this.cache.freed();
      throw error;
    }
  }
}
