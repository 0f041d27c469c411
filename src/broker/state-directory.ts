import { basename, dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { makeDirDurably } from '../storage/durable-dir.js';
import { syncDirectory } from '../storage/directory-syncs.js';
import type { FileIO } from '../storage/io/file-io.js';
import { SCHEDULE_DIR } from './delayed/delayed-messages.js';
import { TRACE_DIR } from './tracing/trace-book.js';

/** MetaQ's name for the transaction journal's directory. */
export const JOURNAL_DIR = 'transactions';

/**
 * Where metaq keeps state of its own (docs/storage.md): `<dataPath>.metaq`, beside the data
 * directory, not in it. MetaQ's loader takes every entry of the data directory into its count
 * but loads partitions in batches flushed only when a partition directory ends a batch, so any
 * other entry (even a hidden one) listed last makes a Java broker silently skip partitions.
 */
export function stateDirectory(dataPath: string): string {
  const trimmed = dataPath.length > 1 ? dataPath.replace(/\/+$/, '') : dataPath;
  return join(dirname(trimmed), `${basename(trimmed)}.metaq`);
}

/** The directory holding each of metaq's own stores: the state directory, or the data path where moving failed. */
export interface OwnStateDirs {
  trace: string;
  delayed: string;
  /** The transaction journal's directory itself (not its parent). */
  journal: string;
}

/**
 * Move `.trace`, `.delayed` and (without `dataLogPath`) `transactions` left inside `dataPath` by
 * earlier versions, or by a Java broker whose journal metaq takes over, to the state directory.
 * One rename each (atomic: a crash leaves the directory in one place or the other, and the next
 * start finishes the move), then both parents are fsynced. A data path that is a mount point
 * cannot rename across file systems: that store stays where it is, with a warning.
 */
export async function migrateOwnState(io: FileIO, dataPath: string, dataLogPath: string | undefined, logger: Logger): Promise<OwnStateDirs> {
  const state = stateDirectory(dataPath);
  await makeDirDurably(io, state);
  const place = async (name: string): Promise<string> => {
    const from = join(dataPath, name);
    if (!(await io.stat(from))?.isDirectory) return state;
    const to = join(state, name);
    if ((await io.stat(to)) !== undefined) {
      logger.warn({ component: 'storage', from, to }, 'both the old and the new place of metaq state exist: the new one is used, the old one left alone');
      return state;
    }
    try {
      await io.rename(from, to);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
      logger.warn({ component: 'storage', from, to }, 'metaq state cannot be moved out of the data directory (another file system): kept there');
      return dataPath;
    }
    await syncDirectory(io, dataPath);
    await syncDirectory(io, state);
    logger.info({ component: 'storage', from, to }, 'metaq state moved out of the data directory, where a Java MetaQ broker would miscount it');
    return state;
  };
  // A dataLogPath of its own is where the operator (and a Java broker) keeps the journal: left there.
  const journal = dataLogPath === undefined ? join(await place(JOURNAL_DIR), JOURNAL_DIR) : join(dataLogPath, JOURNAL_DIR);
  return { trace: await place(TRACE_DIR), delayed: await place(SCHEDULE_DIR), journal };
}
