import { join } from 'node:path';
import { writeFileAtomically } from './atomic-file.js';
import type { FileIO } from './io/file-io.js';

/**
 * Each partition directory keeps `.recovery-point`: an absolute offset known to be fsynced.
 * Recovery truncates a damaged tail only after it; damage before it is corruption of
 * acknowledged data, which is reported and refused, never truncated away. MetaQ ignores the
 * file (it only reads *.meta), so the directory stays compatible.
 */
export const RECOVERY_POINT_FILE = '.recovery-point';

export interface RecoveryPoint {
  flushedOffset: number;
  cleanShutdown: boolean;
}

export async function readRecoveryPoint(io: FileIO, dir: string): Promise<RecoveryPoint | undefined> {
  const raw = await io.readFile(join(dir, RECOVERY_POINT_FILE));
  if (raw === undefined) return undefined;
  try {
    const parsed = JSON.parse(raw.toString('utf8')) as Partial<RecoveryPoint>;
    if (typeof parsed.flushedOffset !== 'number' || parsed.flushedOffset < 0) return undefined;
    return { flushedOffset: parsed.flushedOffset, cleanShutdown: parsed.cleanShutdown === true };
  } catch {
    return undefined; // unreadable: recover as MetaQ does, from the data alone
  }
}

export function writeRecoveryPoint(io: FileIO, dir: string, point: RecoveryPoint): Promise<void> {
  return writeFileAtomically(io, join(dir, RECOVERY_POINT_FILE), Buffer.from(JSON.stringify(point)));
}
