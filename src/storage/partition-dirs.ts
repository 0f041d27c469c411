import { join } from 'node:path';
import { StorageCodes, StorageError } from '../common/errors.js';
import { topicNameProblem } from '../common/names.js';
import type { FileIO } from './io/file-io.js';

/** Told after each partition directory is handled, for progress bars on long runs. */
export type DirProgress = (done: number, total: number, dir: string) => void;

/** The topic's directories are `<topic>-<i>` under the data directory: the one name rule first, so no name reaches outside it. */
function checkTopic(topic: string): void {
  const problem = topicNameProblem(topic);
  if (problem !== undefined) throw new StorageError('INVALID_TOPIC', `${problem}; nothing was changed`);
}

function range(start: number, end: number): number[] {
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start)
    throw new StorageError(StorageCodes.failed, `partition range ${start}..${end} is not a range of partitions (0 <= start <= end)`);
  return Array.from({ length: end - start + 1 }, (_, i) => start + i);
}

/**
 * MetaQ's move-partitions (docs/operations.md): rename `<topic>-<i>` to `<topic>-<i+by>` for i in start..end,
 * with the broker stopped, so another broker's partitions can be renumbered before data is
 * merged. Refuses before renaming anything if a source is missing or a target exists.
 */
export async function movePartitions(
  io: FileIO,
  dataDir: string,
  topic: string,
  start: number,
  end: number,
  by: number,
  progress?: DirProgress,
): Promise<Array<{ from: string; to: string }>> {
  checkTopic(topic);
  const moves = range(start, end).map((i) => {
    if (i + by < 0) throw new StorageError(StorageCodes.failed, `moving ${topic}-${i} by ${by} would give a negative partition`);
    return { from: join(dataDir, `${topic}-${i}`), to: join(dataDir, `${topic}-${i + by}`) };
  });
  const sources = new Set(moves.map((m) => m.from));
  for (const move of moves) {
    if (!(await io.stat(move.from))?.isDirectory) throw new StorageError(StorageCodes.failed, `${move.from} does not exist; nothing was moved`);
    if (!sources.has(move.to) && (await io.stat(move.to)) !== undefined)
      throw new StorageError(StorageCodes.failed, `${move.to} already exists; nothing was moved (delete it or choose another offset)`);
  }
  // Moving up renames the highest first, moving down the lowest first, so no target is still a source.
  const ordered = by > 0 ? [...moves].reverse() : moves;
  for (const [i, move] of ordered.entries()) {
    await io.rename(move.from, move.to);
    progress?.(i + 1, ordered.length, move.to);
  }
  await io.syncDir(dataDir);
  return ordered;
}

/** MetaQ's delete-partitions (docs/operations.md): remove `<topic>-<i>` for i in start..end, files first. Missing ones are skipped. */
export async function deletePartitions(io: FileIO, dataDir: string, topic: string, start: number, end: number, progress?: DirProgress): Promise<string[]> {
  checkTopic(topic);
  const dirs = range(start, end).map((i) => join(dataDir, `${topic}-${i}`));
  const deleted: string[] = [];
  for (const [i, dir] of dirs.entries()) {
    if ((await io.stat(dir))?.isDirectory) {
      for (const name of await io.list(dir)) await io.unlink(join(dir, name));
      await io.rmdir(dir);
      deleted.push(dir);
    }
    progress?.(i + 1, dirs.length, dir);
  }
  await io.syncDir(dataDir);
  return deleted;
}
