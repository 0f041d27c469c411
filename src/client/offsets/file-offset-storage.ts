import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomically } from '../../storage/atomic-file.js';
import { NodeFileIO } from '../../storage/io/node-file-io.js';
import type { Partition } from '../message.js';
import type { OffsetInfo, OffsetStorage, StoredOffset } from './offset-storage.js';

const io = new NodeFileIO();

interface Entry {
  topic: string;
  brokerId: number;
  partition: number;
  offset: number;
  msgId: bigint;
}

/**
 * Offsets in one local JSON file in MetaQ's Java format (docs/client.md, Offset storage), `~/.meta_offsets` by default:
 * `{"<group>":[{"topic":…,"partition":{"brokerId":…,"partition":…},"offset":…,"messageId":…,"modified":false}]}`.
 * Each commit rewrites the file atomically (temp file, fsync, rename, directory fsync). For a
 * group with a single consumer (broadcast consumers, tools): the file is not shared safely.
 */
export class FileOffsetStorage implements OffsetStorage {
  private groups: Map<string, Entry[]> | undefined;
  private chain: Promise<void> = Promise.resolve();

  constructor(readonly path: string = join(homedir(), '.meta_offsets')) {}

  private async loadFile(): Promise<Map<string, Entry[]>> {
    if (this.groups !== undefined) return this.groups;
    const groups = new Map<string, Entry[]>();
    let text: string | undefined;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (text !== undefined && text.trim() !== '') {
      // Message ids use all 64 bits: quote them before parsing so no digit is lost.
      const exact = text.replace(/"messageId"\s*:\s*(-?\d+)/g, '"messageId":"$1"');
      const parsed = JSON.parse(exact) as Record<
        string,
        Array<{ topic: string; partition: { brokerId: number; partition: number }; offset: number; messageId?: string }>
      >;
      for (const [group, entries] of Object.entries(parsed)) {
        groups.set(
          group,
          entries.map((e) => ({
            topic: e.topic,
            brokerId: e.partition.brokerId,
            partition: e.partition.partition,
            offset: e.offset,
            msgId: BigInt(e.messageId ?? '-1'),
          })),
        );
      }
    }
    this.groups = groups;
    return groups;
  }

  private find(entries: Entry[] | undefined, topic: string, partition: Partition): Entry | undefined {
    return entries?.find((e) => e.topic === topic && e.brokerId === partition.brokerId && e.partition === partition.index);
  }

  async load(topic: string, group: string, partition: Partition): Promise<StoredOffset | undefined> {
    const entry = this.find((await this.loadFile()).get(group), topic, partition);
    return entry && { offset: entry.offset, msgId: entry.msgId };
  }

  async initOffset(topic: string, group: string, partition: Partition, offset: number): Promise<void> {
    const groups = await this.loadFile();
    if (this.find(groups.get(group), topic, partition) !== undefined) return;
    await this.commit(group, [{ topic, partition, offset, msgId: -1n }]);
  }

  async commit(group: string, infos: readonly OffsetInfo[]): Promise<void> {
    const groups = await this.loadFile();
    const entries = groups.get(group) ?? [];
    groups.set(group, entries);
    for (const info of infos) {
      const entry = this.find(entries, info.topic, info.partition);
      if (entry) {
        entry.offset = info.offset;
        entry.msgId = info.msgId;
      } else entries.push({ topic: info.topic, brokerId: info.partition.brokerId, partition: info.partition.index, offset: info.offset, msgId: info.msgId });
    }
    const text = this.serialize(groups);
    this.chain = this.chain.then(() => writeFileAtomically(io, this.path, Buffer.from(text)));
    await this.chain;
  }

  /** JSON by hand so 64-bit message ids keep every digit. */
  private serialize(groups: Map<string, Entry[]>): string {
    const body = [...groups]
      .map(([group, entries]) => {
        const list = entries.map(
          (e) =>
            `{"topic":${JSON.stringify(e.topic)},"partition":{"brokerId":${e.brokerId},"partition":${e.partition}},"offset":${e.offset},"messageId":${e.msgId},"modified":false}`,
        );
        return `${JSON.stringify(group)}:[${list.join(',')}]`;
      })
      .join(',');
    return `{${body}}`;
  }

  async close(): Promise<void> {
    await this.chain;
  }
}
