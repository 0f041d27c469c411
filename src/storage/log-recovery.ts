import { join } from 'node:path';
import type { Logger } from 'pino';
import { StorageCodes, StorageError } from '../common/errors.js';
import type { FileIO } from './io/file-io.js';
import { makeDirDurably } from './durable-dir.js';
import { readRecoveryPoint } from './recovery-point.js';
import type { RecoveryPoint } from './recovery-point.js';
import { Segment } from './segment.js';
import { parseSegmentFileName, segmentFileName } from './segment-name.js';

/** What opening a partition found and did (logged by the broker, shown by stats). */
export interface RecoveryReport {
  truncatedBytes: number;
  corrupt: Array<{ start: number; end: number }>;
  cleanShutdown: boolean;
  millis: number;
}

/**
 * The segments of a partition directory, oldest first, with the last one recovered and open for
 * appends (docs/storage.md, recovery); one empty segment at `offsetIfCreate` where there are
 * none. Interrupted operations are finished or undone first. `millis` of the report is left for
 * the caller.
 */
export async function openSegments(
  io: FileIO,
  dir: string,
  logger: Logger,
  offsetIfCreate: number,
): Promise<{ segments: Segment[]; recovery: RecoveryReport; messageCount: number; point: RecoveryPoint | undefined; created: boolean }> {
  // A directory just created holds nothing to recover: no listing, no recovery point to read.
  const created = await makeDirDurably(io, dir);
  if (created) {
    const path = join(dir, segmentFileName(offsetIfCreate));
    const segment = new Segment(dir, offsetIfCreate, path, await io.open(path, 'write'), 0);
    await io.syncDir(dir);
    const recovery: RecoveryReport = { truncatedBytes: 0, corrupt: [], cleanShutdown: false, millis: 0 };
    return { segments: [segment], recovery, messageCount: 0, point: undefined, created };
  }
  await removeLeftovers(io, dir, logger);
  const starts = (await io.list(dir))
    .map((name) => parseSegmentFileName(name))
    .filter((start): start is number => start !== undefined)
    .sort((a, b) => a - b);
  const segments: Segment[] = [];
  for (const start of starts) {
    const path = join(dir, segmentFileName(start));
    const file = await io.open(path, 'write');
    const size = await file.size();
    const previous = segments[segments.length - 1];
    if (previous !== undefined && previous.end !== start) {
      await Promise.all([...segments.map((s) => s.release()), file.close()]);
      throw new StorageError(
        StorageCodes.corrupt,
        `segments of ${dir} are not contiguous: ${previous.path} ends at ${previous.end} but the next segment starts at ${start}; restore the missing segment or move the later ones aside`,
      );
    }
    previous?.seal();
    segments.push(new Segment(dir, start, path, file, size));
  }
  if (segments.length === 0) {
    const path = join(dir, segmentFileName(offsetIfCreate));
    segments.push(new Segment(dir, offsetIfCreate, path, await io.open(path, 'write'), 0));
    await io.syncDir(dir);
  }
  const last = segments[segments.length - 1]!;
  const point = await readRecoveryPoint(io, dir);
  const { records: messageCount, truncatedBytes } = await last.recover(point?.flushedOffset ?? 0, logger);
  const recovery: RecoveryReport = { truncatedBytes, corrupt: [...last.corruptRanges], cleanShutdown: point?.cleanShutdown ?? false, millis: 0 };
  return { segments, recovery, messageCount, point, created };
}

/** Finish or undo interrupted multi-step operations (temp files, half-done archives). */
async function removeLeftovers(io: FileIO, dir: string, logger: Logger): Promise<void> {
  const names = new Set(await io.list(dir));
  let removed = 0;
  for (const name of names) {
    if (name.endsWith('.tmp')) {
      await io.unlink(join(dir, name));
      logger.info({ partition: dir, file: name }, 'removed an unfinished temp file');
      removed += 1;
    } else if (name.endsWith('.meta.zip') && names.has(name.slice(0, -4))) {
      // The archive was completed (it is renamed into place only after fsync); finish the removal.
      await io.unlink(join(dir, name.slice(0, -4)));
      logger.info({ partition: dir, file: name }, 'completed an interrupted archive');
      removed += 1;
    }
  }
  if (removed > 0) await io.syncDir(dir);
}
