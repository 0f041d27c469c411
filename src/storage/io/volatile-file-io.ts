import type { FileIO, IoFile, OpenMode } from './file-io.js';

/**
 * Fault layer for crash tests on real processes: writes stay in this process's memory until
 * datasync, so kill -9 loses exactly what a power cut would lose (everything not fsynced).
 * With it, a test can tell an fsync-before-ack broker from one that acks too early.
 */
export class VolatileFileIO implements FileIO {
  constructor(private readonly inner: FileIO) {}

  async open(path: string, mode: OpenMode, permissions?: number): Promise<IoFile> {
    const file = await this.inner.open(path, mode, permissions);
    return new VolatileFile(file, await file.size());
  }

  list = (dir: string) => this.inner.list(dir);
  mkdirp = (dir: string) => this.inner.mkdirp(dir);
  stat = (path: string) => this.inner.stat(path);
  rename = (from: string, to: string) => this.inner.rename(from, to);
  unlink = (path: string) => this.inner.unlink(path);
  rmdir = (dir: string) => this.inner.rmdir(dir);
  syncDir = (dir: string) => this.inner.syncDir(dir);
  readFile = (path: string) => this.inner.readFile(path);
  readStream = (path: string) => this.inner.readStream(path);
  writeStream = (path: string) => this.inner.writeStream(path);
  diskSpace = (path: string) => this.inner.diskSpace(path);
}

class VolatileFile implements IoFile {
  /** Writes not yet on disk, in order. */
  private unsynced: Array<{ position: number; data: Buffer }> = [];

  constructor(
    private readonly file: IoFile,
    private length: number,
  ) {}

  get path(): string {
    return this.file.path;
  }

  write(data: Buffer, position: number): Promise<void> {
    this.unsynced.push({ position, data: Buffer.from(data) });
    this.length = Math.max(this.length, position + data.length);
    return Promise.resolve();
  }

  async read(target: Buffer, targetOffset: number, length: number, position: number): Promise<number> {
    const wanted = Math.max(0, Math.min(length, this.length - position));
    target.fill(0, targetOffset, targetOffset + wanted);
    await this.file.read(target, targetOffset, wanted, position);
    for (const write of this.unsynced) {
      const from = Math.max(position, write.position);
      const to = Math.min(position + wanted, write.position + write.data.length);
      if (from < to) write.data.copy(target, targetOffset + from - position, from - write.position, to - write.position);
    }
    return wanted;
  }

  async datasync(): Promise<void> {
    const writes = this.unsynced;
    this.unsynced = [];
    for (const write of writes) await this.file.write(write.data, write.position);
    await this.file.datasync();
  }

  async truncate(length: number): Promise<void> {
    await this.datasync();
    await this.file.truncate(length);
    this.length = length;
  }

  size(): Promise<number> {
    return Promise.resolve(this.length);
  }

  close(): Promise<void> {
    return this.file.close();
  }
}
