import { basename, dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Logger } from 'pino';
import yazl from 'yazl';
import { ConfigError } from '../common/errors.js';
import type { FileIO } from './io/file-io.js';
import type { PartitionStore } from './partition-store.js';

/** A parsed `deletePolicy` (docs/storage.md, retention). */
export type RetentionPolicy = { kind: 'delete'; maxAgeMs: number } | { kind: 'archive'; maxAgeMs: number; compress: boolean };

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000 };

/** Parse `delete,N[s|m|h]` or `archive,N[s|m|h][,compress]`; N defaults to hours. */
export function parseRetentionPolicy(text: string): RetentionPolicy {
  const [name, age, compress, ...extra] = text.split(',').map((part) => part.trim());
  const match = /^([0-9]+)([smh]?)$/.exec(age ?? '');
  if (match === null || extra.length > 0) {
    throw new ConfigError(
      `deletePolicy ${JSON.stringify(text)} is not valid: use delete,<N>[s|m|h] or archive,<N>[s|m|h][,true|false] (N in hours by default)`,
    );
  }
  const maxAgeMs = Number(match[1]) * UNIT_MS[match[2] || 'h']!;
  if (name === 'delete' && compress === undefined) return { kind: 'delete', maxAgeMs };
  if (name === 'archive') {
    if (compress !== undefined && compress !== 'true' && compress !== 'false') {
      throw new ConfigError(`deletePolicy ${JSON.stringify(text)}: the archive compress flag must be true or false`);
    }
    return { kind: 'archive', maxAgeMs, compress: compress === 'true' };
  }
  throw new ConfigError(`deletePolicy ${JSON.stringify(text)}: unknown policy ${JSON.stringify(name)}; the policies are delete and archive`);
}

/**
 * Remove or archive sealed segments older than the policy's age, oldest first, stopping at the
 * first younger one so the log stays contiguous. Age is the file's mtime, as in MetaQ.
 */
export async function applyRetention(log: PartitionStore, io: FileIO, policy: RetentionPolicy, nowMs: number, logger: Logger): Promise<number> {
  let removed = 0;
  for (const segment of log.sealedSegments()) {
    const stat = await io.stat(segment.path);
    if (stat === undefined || nowMs - stat.mtimeMs <= policy.maxAgeMs) break;
    if (policy.kind === 'delete') {
      await log.dropOldestSegment(segment.start);
      await io.unlink(segment.path);
    } else if (!policy.compress) {
      await log.dropOldestSegment(segment.start);
      await io.rename(segment.path, `${segment.path}.arc`);
    } else {
      await zipSegment(io, segment.path);
      await log.dropOldestSegment(segment.start);
      await io.unlink(segment.path);
    }
    await io.syncDir(dirname(segment.path));
    removed += 1;
    logger.info({ segment: segment.path, policy: policy.kind }, 'segment retired by retention');
  }
  return removed;
}

/** Write `<segment>.zip` with one entry named like the segment; it appears only once complete. */
async function zipSegment(io: FileIO, path: string): Promise<void> {
  const temp = `${path}.zip.tmp`;
  const zip = new yazl.ZipFile();
  zip.addReadStream(io.readStream(path), basename(path));
  zip.end();
  await pipeline(zip.outputStream, io.writeStream(temp));
  const file = await io.open(temp, 'write');
  try {
    await file.datasync();
  } finally {
    await file.close();
  }
  await io.rename(temp, `${path}.zip`);
  await io.syncDir(dirname(path));
}
