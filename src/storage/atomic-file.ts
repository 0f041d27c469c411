import { dirname } from 'node:path';
import type { FileIO } from './io/file-io.js';

/**
 * Replace a small metadata file so a crash at any moment leaves the old content or the new,
 * never a mix or nothing: write a temp file, fsync it, rename over the target, fsync the dir.
 * With `permissions` (e.g. 0o600 for secrets) the new file has that mode from its first byte.
 */
export async function writeFileAtomically(io: FileIO, path: string, content: Buffer, permissions?: number): Promise<void> {
  const temp = `${path}.tmp`;
  // A leftover temp file keeps its old mode when reopened: start from a new one.
  if (permissions !== undefined && (await io.stat(temp)) !== undefined) await io.unlink(temp);
  const file = await io.open(temp, 'write', permissions);
  try {
    await file.truncate(0);
    await file.write(content, 0);
    await file.datasync();
  } finally {
    await file.close();
  }
  await io.rename(temp, path);
  await io.syncDir(dirname(path));
}
