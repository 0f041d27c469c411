import { open, readFile, rename } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { checksum } from '../../common/checksum.js';
import type { ReceivedMessage } from '../message.js';

const ADD = 1;
const REMOVE = 2;
/** op(1) crc(4) length(4) then the body. */
const HEADER = 9;

/**
 * A durable, ordered store of messages that failed processing (§5.10), one file per topic@group.
 * Append-only: an entry to add a message, an entry to remove it; replayed on open (a torn last
 * entry is ignored), compacted by rewrite-and-rename when mostly removals. The format is
 * private to metaq, as MetaQ allows.
 */
export class RecoveryStore {
  private readonly messages = new Map<string, ReceivedMessage>();
  private file: FileHandle | undefined;
  private size = 0;
  private removed = 0;
  private chain: Promise<void> = Promise.resolve();

  private constructor(readonly path: string) {}

  static async open(path: string): Promise<RecoveryStore> {
    const store = new RecoveryStore(path);
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
        const message = decodeMessage(body);
        this.messages.set(key(message), message);
      } else if (op === REMOVE) this.messages.delete(body.toString());
      at += HEADER + length;
    }
  }

  /** Messages in the order they were added. */
  list(): ReceivedMessage[] {
    return [...this.messages.values()];
  }

  get count(): number {
    return this.messages.size;
  }

  add(message: ReceivedMessage): Promise<void> {
    this.messages.set(key(message), message);
    return this.append(ADD, encodeMessage(message));
  }

  remove(message: ReceivedMessage): Promise<void> {
    if (!this.messages.delete(key(message))) return Promise.resolve();
    this.removed += 1;
    return this.append(REMOVE, Buffer.from(key(message)));
  }

  private append(op: number, body: Buffer): Promise<void> {
    const entry = Buffer.allocUnsafe(HEADER + body.length);
    entry[0] = op;
    entry.writeInt32BE(checksum(body), 1);
    entry.writeInt32BE(body.length, 5);
    body.copy(entry, HEADER);
    this.chain = this.chain.then(async () => {
      await this.file!.write(entry, 0, entry.length, this.size);
      this.size += entry.length;
      await this.file!.datasync();
      if (this.removed > 1000 && this.removed > this.messages.size) await this.rewrite();
    });
    return this.chain;
  }

  /** Write the live messages to a temp file, fsync, rename over the store, fsync the directory. */
  private async rewrite(): Promise<void> {
    const entries = [...this.messages.values()].map((message) => {
      const body = encodeMessage(message);
      const entry = Buffer.allocUnsafe(HEADER + body.length);
      entry[0] = ADD;
      entry.writeInt32BE(checksum(body), 1);
      entry.writeInt32BE(body.length, 5);
      body.copy(entry, HEADER);
      return entry;
    });
    const content = Buffer.concat(entries);
    const temp = `${this.path}.tmp`;
    const handle = await open(temp, 'w');
    await handle.writeFile(content);
    await handle.datasync();
    await handle.close();
    await rename(temp, this.path);
    const dir = await open(dirname(this.path), 'r');
    await dir.sync();
    await dir.close();
    await this.file?.close();
    this.file = await open(this.path, 'r+');
    this.size = content.length;
    this.removed = 0;
  }

  async close(): Promise<void> {
    await this.chain;
    await this.file?.close();
    this.file = undefined;
  }
}

function key(message: ReceivedMessage): string {
  return `${message.partition.brokerId}-${message.partition.index}@${message.offset}`;
}

function encodeMessage(m: ReceivedMessage): Buffer {
  const meta = Buffer.from(JSON.stringify({ topic: m.topic, partition: m.partition, offset: m.offset, nextOffset: m.nextOffset, id: m.id.toString(), attribute: m.attribute, flag: m.flag }));
  const out = Buffer.allocUnsafe(4 + meta.length + m.data.length);
  out.writeInt32BE(meta.length, 0);
  meta.copy(out, 4);
  m.data.copy(out, 4 + meta.length);
  return out;
}

function decodeMessage(body: Buffer): ReceivedMessage {
  const metaLength = body.readInt32BE(0);
  const meta = JSON.parse(body.toString('utf8', 4, 4 + metaLength)) as Omit<ReceivedMessage, 'id' | 'data'> & { id: string };
  return { ...meta, id: BigInt(meta.id), data: Buffer.from(body.subarray(4 + metaLength)) };
}
