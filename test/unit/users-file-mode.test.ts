import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { UserBook } from '../../src/broker/auth/user-book.js';
import { NodeFileIO } from '../../src/storage/io/node-file-io.js';

const RIGHTS = { publish: ['*'], subscribe: ['*'], admin: false };

describe('users file permissions', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });
  const newDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'metaq-users-'));
    dirs.push(dir);
    return dir;
  };
  const modeOf = async (path: string) => (await stat(path)).mode & 0o777;

  it('a new users file is readable by its owner only (0600)', async () => {
    const path = join(await newDir(), 'users.json');
    const book = await UserBook.open(new NodeFileIO(), path);
    await book.put('alice', 'correct horse', RIGHTS);
    assert.equal((await modeOf(path)).toString(8), '600');
  });

  it('rewriting a 0644 file, even past a leftover 0644 temp file, leaves it 0600', async () => {
    const path = join(await newDir(), 'users.json');
    await writeFile(path, '{"users":{}}\n');
    await chmod(path, 0o644);
    await writeFile(`${path}.tmp`, 'left by a crash');
    await chmod(`${path}.tmp`, 0o644);
    const book = await UserBook.open(new NodeFileIO(), path);
    await book.put('bob', 'battery staple', RIGHTS);
    assert.equal((await modeOf(path)).toString(8), '600');
    await book.remove('bob');
    assert.equal((await modeOf(path)).toString(8), '600');
  });
});
