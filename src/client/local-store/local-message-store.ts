import { open, readFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { checksum } from '../../common/checksum.js';
import { writeFileAtomically } from '../../storage/atomic-file.js';
import { NodeFileIO } from '../../storage/io/node-file-io.js';

const io = new NodeFileIO();

const ADD = 1;
const REMOVE = 2;
/** op(1) crc(4) length(4) then the body. */
const HEADER = 9;

/**
 * A durable, ordered store of keyed entries on the client machine: messages set aside for local
 * recovery or held back by the ordered and async producers (docs/client.md, Producer). Append-only: an
 * entry to add, an entry to remove; replayed on open (a torn last entry is ignored) and compacted
 * by rewrite-and-rename when mostly removals. The format is private to metaq, as MetaQ allows.
 */
export class LocalMessageStore {
  private readonly messages = new Map<string, Buffer>();
  private file: FileHandle | undefined;
  private size = 0;
  private removed = 0;
  /** Entries waiting for the next write: all of them go in one write and one fsync (group commit). */
  private queued: Array<{ entry: Buffer; resolve: () => void; reject: (error: unknown) => void }> = [];
  private writing: Promise<void> | undefined;

  private constructor(readonly path: string) {}

  static async open(path: string): Promise<LocalMessageStore> {
    const store = new LocalMessageStore(path);
    mkdirSync(dirname(path), { recursive: true });
    let bytes: Buffer | undefined;
    try {
      bytes = await readFile(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (bytes !== undefined) store.replay(bytes);
    await store.rewrite(); // start from a compact file without any torn tail
    return store;
  }

  private replay(bytes: Buffer): void {
    let at = 0;
    while (bytes.length - at >= HEADER) {
      const op = bytes[at]!;
      const crc = bytes.readInt32BE(at + 1);
      const length = bytes.readInt32BE(at + 5);
      if (length < 0 || at + HEADER + length > bytes.length) break;
      const body = bytes.subarray(at + HEADER, at + HEADER + length);
      if (checksum(body) !== crc) break;
      if (op === ADD) {
        const keyLength = body.readInt32BE(0);
        this.messages.set(body.toString('utf8', 4, 4 + keyLength), Buffer.from(body.subarray(4 + keyLength)));
      } else if (op === REMOVE) this.messages.delete(body.toString());
      at += HEADER + length;
    }
  }

  /** Entries in the order they were added. */
  entries(): Array<[string, Buffer]> {
    return [...this.messages];
  }

  get count(): number {
    return this.messages.size;
  }

  add(key: string, value: Buffer): Promise<void> {
    this.messages.set(key, value);
    return this.append(ADD, addBody(key, value));
  }

  remove(key: string): Promise<void> {
    if (!this.messages.delete(key)) return Promise.resolve();
    this.removed += 1;
    return this.append(REMOVE, Buffer.from(key));
  }

  private append(op: number, body: Buffer): Promise<void> {
    const entry = Buffer.allocUnsafe(HEADER + body.length);
    entry[0] = op;
    entry.writeInt32BE(checksum(body), 1);
    entry.writeInt32BE(body.length, 5);
    body.copy(entry, HEADER);
    return new Promise((resolve, reject) => {
      this.queued.push({ entry, resolve, reject });
      this.writing ??= this.writeQueued().finally(() => {
        this.writing = undefined;
      });
    });
  }

  /** Write what is queued, in order, one write and one fsync per round, until nothing is left. */
  private async writeQueued(): Promise<void> {
    while (this.queued.length > 0) {
      const batch = this.queued.splice(0);
      try {
        const bytes = batch.length === 1 ? batch[0]!.entry : Buffer.concat(batch.map((b) => b.entry));
        await this.file!.write(bytes, 0, bytes.length, this.size);
        this.size += bytes.length;
        await this.file!.datasync();
        if (this.removed > 1000 && this.removed > this.messages.size) await this.rewrite();
        for (const b of batch) b.resolve();
      } catch (error) {
        for (const b of batch) b.reject(error);
      }
    }
  }

  /** Write the live messages to a temp file, fsync, rename over the store, fsync the directory. */
  private async rewrite(): Promise<void> {
    const entries = [...this.messages].map(([key, value]) => {
      const body = addBody(key, value);
      const entry = Buffer.allocUnsafe(HEADER + body.length);
      entry[0] = ADD;
      entry.writeInt32BE(checksum(body), 1);
      entry.writeInt32BE(body.length, 5);
      body.copy(entry, HEADER);
      return entry;
    });
    const content = Buffer.concat(entries);
    await writeFileAtomically(io, this.path, content);
    await this.file?.close();
    this.file = await open(this.path, 'r+');
    this.size = content.length;
    this.removed = 0;
  }

  async close(): Promise<void> {
    await this.writing;
    await this.file?.close();
    this.file = undefined;
  }
}

function addBody(key: string, value: Buffer): Buffer {
  const keyBytes = Buffer.from(key);
  const body = Buffer.allocUnsafe(4 + keyBytes.length + value.length);
  body.writeInt32BE(keyBytes.length, 0);
  keyBytes.copy(body, 4);
  value.copy(body, 4 + keyBytes.length);
  return body;
}
