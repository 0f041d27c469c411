import type { IoFile, OpenMode } from '../../src/storage/io/file-io.js';
import { MemoryFileIO } from '../../src/storage/io/memory-file-io.js';

/** A gate an operation waits at: `entered` counts arrivals, `open` or `fail` lets them go. */
export class Gate {
  entered = 0;
  private lift: (error?: Error) => void = () => undefined;
  private readonly shut = new Promise<void>((resolve, reject) => {
    this.lift = (error) => (error === undefined ? resolve() : reject(error));
  });

  async pass(): Promise<void> {
    this.entered += 1;
    await this.shut;
  }

  open(): void {
    this.lift();
  }

  fail(error: Error): void {
    this.lift(error);
  }
}

/**
 * An in-memory disk whose fsyncs and writes of chosen files can be held at a gate (and failed
 * there), and whose opens can fail with EMFILE: the interleavings an open-file cache must survive.
 */
export class GatedFileIO extends MemoryFileIO {
  readonly syncGates = new Map<string, Gate>();
  readonly writeGates = new Map<string, Gate>();
  /** Opens still to fail with EMFILE, as when connections hold every descriptor. */
  emfiles = 0;
  /** fsyncs that reached the disk, per file. */
  readonly syncs = new Map<string, number>();

  override async open(path: string, mode: OpenMode): Promise<IoFile> {
    if (this.emfiles > 0) {
      this.emfiles -= 1;
      throw Object.assign(new Error(`EMFILE: too many open files, open '${path}'`), { code: 'EMFILE' });
    }
    const file = await super.open(path, mode);
    const datasync = file.datasync.bind(file);
    const write = file.write.bind(file);
    file.datasync = async () => {
      const gate = this.syncGates.get(path);
      if (gate !== undefined) {
        this.syncGates.delete(path); // one fsync each: the next one goes straight to disk
        await gate.pass();
      }
      this.syncs.set(path, (this.syncs.get(path) ?? 0) + 1);
      await datasync();
    };
    file.write = async (data, position) => {
      const gate = this.writeGates.get(path);
      if (gate !== undefined) {
        this.writeGates.delete(path);
        await gate.pass();
      }
      await write(data, position);
    };
    return file;
  }

  holdSync(path: string): Gate {
    const gate = new Gate();
    this.syncGates.set(path, gate);
    return gate;
  }

  holdWrite(path: string): Gate {
    const gate = new Gate();
    this.writeGates.set(path, gate);
    return gate;
  }
}
