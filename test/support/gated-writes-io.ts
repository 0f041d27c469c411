import type { FileIO, IoFile, OpenMode } from '../../src/storage/io/file-io.js';
import { NodeFileIO } from '../../src/storage/io/node-file-io.js';

/**
 * The machine's files, with writes to segment files (`.meta`) held while the gate is shut: a
 * slow disk, so a test can have requests arrive while a write is in flight.
 */
export class GatedWritesIO extends NodeFileIO implements FileIO {
  private gate: Promise<void> = Promise.resolve();
  private lift: () => void = () => undefined;
  /** Segment writes waiting at the gate. */
  waiting = 0;

  /** Hold segment writes from now on. */
  hold(): void {
    this.gate = new Promise((resolve) => (this.lift = resolve));
  }

  /** Let the held writes (and later ones) through. */
  release(): void {
    this.lift();
  }

  override async open(path: string, mode: OpenMode, permissions?: number): Promise<IoFile> {
    const file = await super.open(path, mode, permissions);
    if (!path.endsWith('.meta') || mode === 'read') return file;
    const write = file.write.bind(file);
    file.write = async (data, position) => {
      this.waiting += 1;
      await this.gate;
      this.waiting -= 1;
      return write(data, position);
    };
    return file;
  }
}
