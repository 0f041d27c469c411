import { dirname } from 'node:path';
import { syncDirectory } from './directory-syncs.js';
import type { FileIO } from './io/file-io.js';

/**
 * Create `dir` (and missing parents) so that it survives a power cut: a new directory entry is
 * durable only once its parent directory is fsynced, and an ack must not depend on one that is
 * not (a partition's first put would be lost with its directory). True when `dir` was created.
 */
export async function makeDirDurably(io: FileIO, dir: string): Promise<boolean> {
  const missing: string[] = [];
  for (let d = dir; d !== dirname(d) && (await io.stat(d)) === undefined; d = dirname(d)) missing.push(d);
  if (missing.length === 0) return false;
  await io.mkdirp(dir);
  // Outermost first: each entry is made durable once the one holding it is.
  for (const created of missing.reverse()) await syncDirectory(io, dirname(created));
  return true;
}
