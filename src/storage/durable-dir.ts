import { dirname } from 'node:path';
import type { FileIO } from './io/file-io.js';

/**
 * Create `dir` (and missing parents) so that it survives a power cut: a new directory entry is
 * durable only once its parent directory is fsynced, and an ack must not depend on one that is
 * not (a partition's first put would be lost with its directory).
 */
export async function makeDirDurably(io: FileIO, dir: string): Promise<void> {
  const missing: string[] = [];
  for (let d = dir; d !== dirname(d) && (await io.stat(d)) === undefined; d = dirname(d)) missing.push(d);
  if (missing.length === 0) return;
  await io.mkdirp(dir);
  // Outermost first: each entry is made durable once the one holding it is.
  for (const created of missing.reverse()) await io.syncDir(dirname(created));
}
