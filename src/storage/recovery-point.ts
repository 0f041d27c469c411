import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Clock } from '../common/clock.js';
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

/** How often a partition's recovery point is rewritten by default (`[system] recoveryPointIntervalMs`). */
export const DEFAULT_RECOVERY_POINT_INTERVAL_MS = 60_000;

/**
 * Keeps one partition's recovery point up to date: rewritten after the first flush, then after
 * flushes about once every `intervalMs` (each rewrite costs two fsyncs: ten thousand partitions
 * at once a second would be twenty thousand fsyncs a second), at once when the log is cut back,
 * and marked clean at close. The interval is jittered by ±50 % so partitions that started
 * together do not all rewrite in the same moment.
 */
export class RecoveryPointWriter {
  private writing: Promise<void> | undefined;
  private nextWriteAt = -Infinity;

  /**
   * @param cleanOnDisk the point on disk says a clean stop at the flushed end, and nothing changed since
   */
  constructor(
    private readonly io: FileIO,
    private readonly dir: string,
    private readonly logger: Logger,
    private readonly clock: Clock,
    private cleanOnDisk: boolean,
    private readonly intervalMs = DEFAULT_RECOVERY_POINT_INTERVAL_MS,
  ) {}

  /** The log is flushed up to `end`: rewrite the point unless its next rewrite is not due yet. */
  flushedTo(end: number): void {
    const now = this.clock.monotonicMs();
    if (this.writing !== undefined || now < this.nextWriteAt) return;
    this.nextWriteAt = now + this.intervalMs * (0.5 + Math.random());
    this.cleanOnDisk = false;
    this.writing = writeRecoveryPoint(this.io, this.dir, { flushedOffset: end, cleanShutdown: false })
      .catch((error: unknown) =>
        this.logger.warn({ err: error, partition: this.dir }, 'could not write the recovery point; recovery will be more conservative'),
      )
      .finally(() => {
        this.writing = undefined;
      });
  }

  /** The log was cut back to `end`: say so on disk before anything else happens. */
  cutTo(end: number): Promise<void> {
    this.cleanOnDisk = false;
    return writeRecoveryPoint(this.io, this.dir, { flushedOffset: end, cleanShutdown: false });
  }

  /** Wait for a rewrite in progress. */
  async settled(): Promise<void> {
    await this.writing;
  }

  /**
   * Record a clean stop at `flushedEnd`. Nothing written since a clean start leaves the point
   * as it is on disk, so a stop stays quick.
   */
  async closeClean(flushedEnd: number, writtenEnd: number): Promise<void> {
    if (this.cleanOnDisk && writtenEnd === flushedEnd) return;
    await writeRecoveryPoint(this.io, this.dir, { flushedOffset: flushedEnd, cleanShutdown: true });
  }
}
