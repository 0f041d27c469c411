import { join } from 'node:path';
import type { Logger } from 'pino';
import { StorageCodes, StorageError } from '../common/errors.js';
import type { FileIO } from './io/file-io.js';
import { makeDirDurably } from './durable-dir.js';
import { readRecoveryPoint } from './recovery-point.js';
import type { RecoveryPoint } from './recovery-point.js';
import { findNextIntactRecord, scanRecords } from './record-scanner.js';
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
 * The segments of a partition directory, oldest first, with the last one recovered (§2.8) and
 * open for appends; one empty segment at `offsetIfCreate` where there are none. Interrupted
 * operations are finished or undone first. `millis` of the report is left for the caller.
 */
export async function openSegments(io: FileIO, dir: string, logger: Logger, offsetIfCreate: number): Promise<{ segments: Segment[]; recovery: RecoveryReport; messageCount: number; point: RecoveryPoint | undefined }> {
  await makeDirDurably(io, dir);
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
      await Promise.all([...segments.map((s) => s.file.close()), file.close()]);
      throw new StorageError(StorageCodes.corrupt, `segments of ${dir} are not contiguous: ${previous.path} ends at ${previous.end} but the next segment starts at ${start}; restore the missing segment or move the later ones aside`);
    }
    const segment = new Segment(start, path, file, size, 0);
    segment.sealed = true;
    segments.push(segment);
  }
  if (segments.length === 0) {
    const path = join(dir, segmentFileName(offsetIfCreate));
    segments.push(new Segment(offsetIfCreate, path, await io.open(path, 'write'), 0, 0));
    await io.syncDir(dir);
  }
  const last = segments[segments.length - 1]!;
  last.sealed = false;
  const point = await readRecoveryPoint(io, dir);
  const recovery: RecoveryReport = { truncatedBytes: 0, corrupt: [], cleanShutdown: point?.cleanShutdown ?? false, millis: 0 };
  const messageCount = await recoverLastSegment(last, point?.flushedOffset ?? 0, recovery, logger);
  return { segments, recovery, messageCount, point };
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

/**
 * Scan the last segment record by record. Damage after the recovery point is a torn tail and is
 * truncated (the byte count is logged). Damage before it is corruption of flushed data: it is
 * reported and refused, and scanning resumes at the next intact record so nothing after it is lost.
 */
async function recoverLastSegment(segment: Segment, recoveryPoint: number, report: RecoveryReport, logger: Logger): Promise<number> {
  const flushedRel = Math.max(0, recoveryPoint - segment.start);
  let pos = 0;
  let records = 0;
  for (;;) {
    const outcome = await scanRecords(segment.file, pos, segment.size);
    records += outcome.records;
    pos = outcome.end;
    if (outcome.stoppedBy === 'end') break;
    if (pos >= flushedRel) {
      report.truncatedBytes = segment.size - pos;
      logger.warn({ segment: segment.path, truncatedBytes: report.truncatedBytes, validEnd: segment.start + pos }, 'torn tail truncated');
      await segment.file.truncate(pos);
      await segment.file.datasync();
      segment.size = pos;
      break;
    }
    const resume = await findNextIntactRecord(segment.file, pos, segment.size);
    const range = { start: segment.start + pos, end: segment.start + resume };
    segment.corrupt.push(range);
    report.corrupt.push(range);
    logger.error({ segment: segment.path, ...range }, 'corruption before the flushed end: range refused, not truncated');
    pos = resume;
    if (pos >= segment.size) break;
  }
  segment.verifiedEnd = segment.size;
  return records;
}
