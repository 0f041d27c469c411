import { dirname } from 'node:path';
import { Readable, Writable } from 'node:stream';
import type { DiskSpace, FileIO, IoFile, IoStat, OpenMode } from './file-io.js';

/** One file-system call, as seen by fault hooks and crash enumerators. */
export interface IoOperation {
  type: 'open' | 'write' | 'datasync' | 'truncate' | 'rename' | 'unlink' | 'syncDir' | 'mkdir';
  path: string;
  position?: number;
  length?: number;
}

/** What a fault hook may do to an operation: fail it, optionally after part of a write landed. */
export interface InjectedFault {
  error: NodeJS.ErrnoException;
  /** For writes: how many bytes reach the file before the error. */
  writtenBytes?: number;
}

type PendingChange = { kind: 'write'; position: number; data: Buffer } | { kind: 'truncate'; length: number };

let inodes = 0;

class Inode {
  readonly id = ++inodes;
  /** What a reader sees now (page cache). */
  current: Buffer = Buffer.alloc(0);
  /** What survives power loss: the content at the last datasync. */
  synced: Buffer = Buffer.alloc(0);
  /** Changes since the last datasync, in order. */
  pending: PendingChange[] = [];
  mtimeMs = 0;

  apply(change: PendingChange): void {
    this.current = applyChange(this.current, change);
  }
}

function applyChange(content: Buffer, change: PendingChange): Buffer {
  if (change.kind === 'truncate') return Buffer.from(content.subarray(0, Math.min(change.length, content.length)));
  const end = change.position + change.data.length;
  const next = end > content.length ? Buffer.concat([content, Buffer.alloc(end - content.length)]) : content;
  change.data.copy(next, change.position);
  return next;
}

export function errnoError(code: string, message: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(`${code}: ${message}`);
  error.code = code;
  return error;
}

/** How a crash image treats one file's unsynced changes. */
export interface UnsyncedChoice {
  /** How many of the pending changes reach the disk (a prefix, in order). */
  applied: number;
  /** Cut the last applied write at a 512-byte boundary of the file (a torn sector write). */
  tearLast: boolean;
}

/**
 * An in-memory file system that knows what is durable: file data at its last datasync and
 * directory entries (of files and of directories) at their directory's last fsync. `crashImage` builds the disk a power loss
 * could leave; `faults` injects errors into any call. Used by the crash-simulation tests.
 */
export class MemoryFileIO implements FileIO {
  private readonly files = new Map<string, Inode>();
  private readonly durableNames = new Map<string, Inode>();
  private readonly dirs = new Set<string>();
  /** Directories whose entry in their parent was there at the parent's last fsync ('/' always is). */
  private readonly durableDirs = new Set<string>(['/']);
  /** Return a fault to make this operation fail. */
  faults: ((op: IoOperation) => InjectedFault | undefined) | undefined;
  /** Called after each operation completes (crash-point enumeration). */
  afterOperation: ((op: IoOperation) => void) | undefined;
  now: () => number = () => Date.now();
  /** The size `diskSpace` reports; free space is what the files leave of it. */
  capacityBytes = 2 ** 40;

  private check(op: IoOperation): InjectedFault | undefined {
    return this.faults?.(op);
  }

  private done(op: IoOperation): void {
    this.afterOperation?.(op);
  }

  private inode(path: string): Inode {
    const inode = this.files.get(path);
    if (inode === undefined) throw errnoError('ENOENT', `no such file ${path}`);
    return inode;
  }

  open(path: string, mode: OpenMode): Promise<IoFile> {
    const op: IoOperation = { type: 'open', path };
    const fault = this.check(op);
    if (fault) return Promise.reject(fault.error);
    let inode = this.files.get(path);
    if (inode === undefined) {
      if (mode !== 'write') return Promise.reject(errnoError('ENOENT', `no such file ${path}`));
      if (!this.dirs.has(dirname(path))) return Promise.reject(errnoError('ENOENT', `no such directory ${dirname(path)}`));
      inode = new Inode();
      inode.mtimeMs = this.now();
      this.files.set(path, inode);
    }
    this.done(op);
    return Promise.resolve(new MemoryFile(this, path, inode));
  }

  /** @internal */
  fileWrite(path: string, inode: Inode, data: Buffer, position: number): Promise<void> {
    const op: IoOperation = { type: 'write', path, position, length: data.length };
    const fault = this.check(op);
    const landed = fault ? Math.min(fault.writtenBytes ?? 0, data.length) : data.length;
    if (landed > 0) {
      const change: PendingChange = { kind: 'write', position, data: Buffer.from(data.subarray(0, landed)) };
      inode.pending.push(change);
      inode.apply(change);
      inode.mtimeMs = this.now();
    }
    if (fault) return Promise.reject(fault.error);
    this.done(op);
    return Promise.resolve();
  }

  /** @internal */
  fileDatasync(path: string, inode: Inode): Promise<void> {
    const op: IoOperation = { type: 'datasync', path };
    const fault = this.check(op);
    if (fault) return Promise.reject(fault.error);
    inode.synced = Buffer.from(inode.current);
    inode.pending = [];
    this.done(op);
    return Promise.resolve();
  }

  /** @internal */
  fileTruncate(path: string, inode: Inode, length: number): Promise<void> {
    const op: IoOperation = { type: 'truncate', path, length };
    const fault = this.check(op);
    if (fault) return Promise.reject(fault.error);
    const change: PendingChange = { kind: 'truncate', length };
    inode.pending.push(change);
    inode.apply(change);
    this.done(op);
    return Promise.resolve();
  }

  list(dir: string): Promise<string[]> {
    const names = new Set<string>();
    const prefix = dir.endsWith('/') ? dir : `${dir}/`;
    for (const path of [...this.files.keys(), ...this.dirs]) {
      if (path.startsWith(prefix) && path.length > prefix.length) names.add(path.slice(prefix.length).split('/')[0]!);
    }
    return Promise.resolve([...names].sort());
  }

  mkdirp(dir: string): Promise<void> {
    const fault = this.check({ type: 'mkdir', path: dir });
    if (fault) return Promise.reject(fault.error);
    // Durable only once the parent is fsynced (syncDir), like a file's entry.
    for (let d = dir; d !== dirname(d); d = dirname(d)) this.dirs.add(d);
    this.dirs.add('/');
    this.done({ type: 'mkdir', path: dir });
    return Promise.resolve();
  }

  stat(path: string): Promise<IoStat | undefined> {
    if (this.dirs.has(path)) return Promise.resolve({ size: 0, mtimeMs: 0, isDirectory: true, fileId: `dir:${path}` });
    const inode = this.files.get(path);
    return Promise.resolve(inode && { size: inode.current.length, mtimeMs: inode.mtimeMs, isDirectory: false, fileId: `mem:${inode.id}` });
  }

  rename(from: string, to: string): Promise<void> {
    const op: IoOperation = { type: 'rename', path: from };
    const fault = this.check(op);
    if (fault) return Promise.reject(fault.error);
    const inode = this.inode(from);
    this.files.delete(from);
    this.files.set(to, inode);
    this.done(op);
    return Promise.resolve();
  }

  unlink(path: string): Promise<void> {
    const op: IoOperation = { type: 'unlink', path };
    const fault = this.check(op);
    if (fault) return Promise.reject(fault.error);
    this.inode(path);
    this.files.delete(path);
    this.done(op);
    return Promise.resolve();
  }

  rmdir(dir: string): Promise<void> {
    const inside = (path: string) => path.startsWith(`${dir}/`);
    if (!this.dirs.has(dir)) return Promise.reject(errnoError('ENOENT', `no such directory ${dir}`));
    if ([...this.files.keys(), ...this.dirs].some(inside)) return Promise.reject(errnoError('ENOTEMPTY', `directory ${dir} is not empty`));
    this.dirs.delete(dir);
    this.durableDirs.delete(dir);
    return Promise.resolve();
  }

  diskSpace(): Promise<DiskSpace> {
    let used = 0;
    for (const inode of new Set(this.files.values())) used += inode.current.length;
    return Promise.resolve({ totalBytes: this.capacityBytes, freeBytes: Math.max(0, this.capacityBytes - used) });
  }

  syncDir(dir: string): Promise<void> {
    const op: IoOperation = { type: 'syncDir', path: dir };
    const fault = this.check(op);
    if (fault) return Promise.reject(fault.error);
    for (const path of [...this.durableNames.keys()]) {
      if (dirname(path) === dir && this.files.get(path) !== this.durableNames.get(path)) this.durableNames.delete(path);
    }
    for (const [path, inode] of this.files) if (dirname(path) === dir) this.durableNames.set(path, inode);
    for (const child of [...this.durableDirs]) if (dirname(child) === dir && child !== dir && !this.dirs.has(child)) this.durableDirs.delete(child);
    for (const child of this.dirs) if (dirname(child) === dir && child !== dir) this.durableDirs.add(child);
    this.done(op);
    return Promise.resolve();
  }

  readFile(path: string): Promise<Buffer | undefined> {
    const inode = this.files.get(path);
    return Promise.resolve(inode && Buffer.from(inode.current));
  }

  readStream(path: string): Readable {
    const inode = this.files.get(path);
    if (inode === undefined) {
      return new Readable({
        read() {
          this.destroy(errnoError('ENOENT', `no such file ${path}`));
        },
      });
    }
    return Readable.from([Buffer.from(inode.current)]);
  }

  writeStream(path: string): Writable {
    let position = 0;
    let file: IoFile | undefined;
    return new Writable({
      write: (chunk: Buffer, _encoding, callback) => {
        const target = file ? Promise.resolve(file) : this.open(path, 'write');
        target
          .then(async (f) => {
            file = f;
            await f.write(chunk, position);
            position += chunk.length;
            callback();
          })
          .catch((error: Error) => callback(error));
      },
      final: (callback) => {
        (file ? Promise.resolve(file) : this.open(path, 'write')).then(
          () => callback(),
          (error: Error) => callback(error),
        );
      },
    });
  }

  /** Paths of files that exist now, and how many unsynced changes each has. */
  pendingChanges(): Map<string, number> {
    return new Map([...this.files].map(([path, inode]) => [path, inode.pending.length]));
  }

  /**
   * The disk a power loss at this instant could leave. Directory entries come from the last
   * fsync of their directory (`namespace: 'durable'`) or as they are now (`'current'`); each
   * file keeps its synced data plus the unsynced changes `choose` picks.
   */
  crashImage(namespace: 'durable' | 'current', choose: (path: string, pending: number) => UnsyncedChoice): MemoryFileIO {
    const image = new MemoryFileIO();
    // A directory survives when its entry and every parent's did: a new one whose parent was not fsynced is gone, with all it holds.
    const survives = (dir: string): boolean => namespace === 'current' || dir === dirname(dir) || (this.durableDirs.has(dir) && survives(dirname(dir)));
    for (const dir of this.dirs) {
      if (survives(dir)) {
        image.dirs.add(dir);
        image.durableDirs.add(dir);
      }
    }
    const names = namespace === 'durable' ? this.durableNames : this.files;
    for (const [path, inode] of names) {
      if (!image.dirs.has(dirname(path))) continue;
      const { applied, tearLast } = choose(path, inode.pending.length);
      let content: Buffer = Buffer.from(inode.synced);
      const changes = inode.pending.slice(0, applied);
      changes.forEach((change, index) => {
        if (tearLast && index === changes.length - 1 && change.kind === 'write') {
          const keep = Math.max(0, Math.floor((change.position + change.data.length) / 512) * 512 - change.position);
          if (keep < change.data.length) change = { kind: 'write', position: change.position, data: change.data.subarray(0, keep) };
        }
        content = applyChange(content, change);
      });
      const copy = new Inode();
      copy.current = content;
      copy.synced = Buffer.from(content);
      copy.mtimeMs = inode.mtimeMs;
      image.files.set(path, copy);
      image.durableNames.set(path, copy);
    }
    return image;
  }
}

class MemoryFile implements IoFile {
  private closed = false;

  constructor(
    private readonly fs: MemoryFileIO,
    readonly path: string,
    private readonly inode: Inode,
  ) {}

  private ensureOpen(): void {
    if (this.closed) throw errnoError('EBADF', `file ${this.path} is closed`);
  }

  write(data: Buffer, position: number): Promise<void> {
    this.ensureOpen();
    return this.fs.fileWrite(this.path, this.inode, data, position);
  }

  read(target: Buffer, targetOffset: number, length: number, position: number): Promise<number> {
    this.ensureOpen();
    const available = Math.max(0, Math.min(length, this.inode.current.length - position));
    this.inode.current.copy(target, targetOffset, position, position + available);
    return Promise.resolve(available);
  }

  datasync(): Promise<void> {
    this.ensureOpen();
    return this.fs.fileDatasync(this.path, this.inode);
  }

  truncate(length: number): Promise<void> {
    this.ensureOpen();
    return this.fs.fileTruncate(this.path, this.inode, length);
  }

  size(): Promise<number> {
    return Promise.resolve(this.inode.current.length);
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}
