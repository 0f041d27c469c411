import { dirname } from 'node:path';
import type { FileIO } from './io/file-io.js';

/**
 * Replace a small metadata file so a crash at any moment leaves the old content or the new,
 * never a mix or nothing: write a temp file, fsync it, rename over the target, fsync the dir.
 */
export async function writeFileAtomically(io: FileIO, path: string, content: Buffer): Promise<void> {
  const temp = `${path}.tmp`;
  const file = await io.open(temp, 'write');
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
