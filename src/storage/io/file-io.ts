import type { Readable, Writable } from 'node:stream';

/** An open file. Positions are absolute byte positions in the file. */
export interface IoFile {
  readonly path: string;
  /** Write all of `data` at `position`. */
  write(data: Buffer, position: number): Promise<void>;
  /** Read up to `length` bytes at `position` into `target`; returns the bytes read. */
  read(target: Buffer, targetOffset: number, length: number, position: number): Promise<number>;
  /** fdatasync: the file's data reaches stable storage. */
  datasync(): Promise<void>;
  truncate(length: number): Promise<void>;
  size(): Promise<number>;
  close(): Promise<void>;
}

export type OpenMode = 'read' | 'write' | 'update';

export interface IoStat {
  size: number;
  mtimeMs: number;
  isDirectory: boolean;
  /** Which file this is whatever its name (device and inode): a renamed file keeps it. */
  fileId: string;
  /** Permission bits (0o600…) where the file system keeps them; the CLI refuses a shared file of tokens by them. */
  mode?: number;
}

/**
 * Every file-system operation storage needs. Production uses NodeFileIO; tests substitute a
 * MemoryFileIO (power-loss images) or wrap either with faults (ENOSPC, EIO, torn writes).
 */
export interface FileIO {
  /**
   * `read`: existing file, read only. `write`: read/write, created if missing, with
   * `permissions` (default 0o644, less the umask) when it is created. `update`: existing file,
   * read/write.
   */
  open(path: string, mode: OpenMode, permissions?: number): Promise<IoFile>;
  /** Names in a directory; [] when it does not exist. */
  list(dir: string): Promise<string[]>;
  mkdirp(dir: string): Promise<void>;
  stat(path: string): Promise<IoStat | undefined>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  /** Remove an empty directory. */
  rmdir(dir: string): Promise<void>;
  /** fsync a directory so renames, creations and unlinks in it are durable. */
  syncDir(dir: string): Promise<void>;
  /** Whole file, or undefined when missing. */
  readFile(path: string): Promise<Buffer | undefined>;
  readStream(path: string): Readable;
  writeStream(path: string): Writable;
  /** Size and free space of the file system holding `path` (for the operator's disk alerts). */
  diskSpace(path: string): Promise<DiskSpace>;
}

export interface DiskSpace {
  totalBytes: number;
  /** Bytes an unprivileged process may still write. */
  freeBytes: number;
}
