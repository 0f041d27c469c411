import type { PartitionStore } from './partition-store.js';

/** Append one record and resolve with its offset once written (replication pulls, tools, tests). */
export function appendRecord(store: Pick<PartitionStore, 'append'>, payload: Buffer, flag: number, id: bigint, checksum: number): Promise<number> {
  return new Promise((resolve, reject) =>
    store.append({ kind: 'record', payload, flag, id, checksum, done: (error, offset) => (error ? reject(error) : resolve(offset)) }),
  );
}
