import { join } from 'node:path';
import type { FileIO } from '../storage/io/file-io.js';

/**
 * The file a running broker keeps in each data directory it uses, holding its pid, so the
 * offline tools (`metaq delete-partitions`, `move-partitions`) can refuse a directory in use.
 */
export const OWNER_FILE = '.metaq-broker.pid';

/** Mark `dirs` as used by this process; the function returned removes the marks (at stop). */
export async function markDataDirs(io: FileIO, dirs: readonly string[], pid = process.pid): Promise<() => Promise<void>> {
  for (const dir of dirs) {
    await io.mkdirp(dir);
    // Not fsynced: after a crash the mark names a dead pid, which reads as "not running" anyway.
    const file = await io.open(join(dir, OWNER_FILE), 'write');
    try {
      await file.truncate(0);
      await file.write(Buffer.from(`${pid}\n`), 0);
    } finally {
      await file.close();
    }
  }
  return async () => {
    for (const dir of dirs) await io.unlink(join(dir, OWNER_FILE)).catch(() => undefined);
  };
}

/** The pid of the live process that marked `dir`; undefined with no mark, or one left by a process that died (kill -9). */
export async function dataDirOwner(io: FileIO, dir: string): Promise<number | undefined> {
  const bytes = await io.readFile(join(dir, OWNER_FILE));
  const pid = bytes === undefined ? NaN : Number(bytes.toString('utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0); // signal 0: only asks whether the process exists
    return pid;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
  }
}
