import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { appendFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { CLI, tempDir } from '../support/broker-process.js';
import { adminIni, startAdminFixture, TOKEN } from '../support/admin-fixture.js';
import type { AdminFixture } from '../support/admin-fixture.js';
import { useZookeeper } from '../support/zookeeper-fixture.js';
import { MetaZnodes } from '../../src/coordination/zk/znodes.js';

const run = promisify(execFile);

/** Runs a command with --json and parses its whole stdout as one document: anything else there fails the parse. */
async function json<T>(...args: string[]): Promise<T> {
  const { stdout } = await run(process.execPath, [CLI, ...args, '--json'], { env: { ...process.env, METAQ_ADMIN_TOKEN: '' } });
  return JSON.parse(stdout) as T;
}

describe('metaq operations commands --json', () => {
  let f: AdminFixture;

  before(async () => {
    f = await startAdminFixture(adminIni());
  });
  after(async () => f.stop());

  it('reload prints {added, changed, removed, needRestart}', async () => {
    appendFileSync(f.configFile, '\n[topic=added-by-json-reload]\n');
    assert.deepEqual(await json('reload', '--admin', f.admin.url, '--token', TOKEN), {
      added: ['added-by-json-reload'],
      changed: [],
      removed: [],
      needRestart: [],
    });
  });

  it('move-partitions prints [{from, to}]; delete-partitions prints {deleted, force}', async () => {
    const data = tempDir('json-move');
    for (const i of [0, 1]) mkdirSync(join(data, `views-${i}`));
    const moved = await json<Array<{ from: string; to: string }>>(
      'move-partitions',
      '--data',
      data,
      '--topic',
      'views',
      '--start',
      '0',
      '--end',
      '1',
      '--offset',
      '2',
    );
    assert.equal(moved.length, 2);
    assert.ok(moved.some((move) => move.from.endsWith('views-1') && move.to.endsWith('views-3')));
    assert.deepEqual(await json('delete-partitions', '--data', data, '--topic', 'views', '--start', '2', '--end', '3'), { deleted: [], force: false });
    const deleted = await json<{ deleted: string[]; force: boolean }>(
      'delete-partitions',
      '--data',
      data,
      '--topic',
      'views',
      '--start',
      '2',
      '--end',
      '3',
      '--force',
    );
    assert.equal(deleted.deleted.length, 2);
    assert.equal(deleted.force, true);
    assert.deepEqual(readdirSync(data), []);
  });

  describe('with ZooKeeper', () => {
    const zk = useZookeeper();

    it('copy-offsets prints [{group, topic, from, to, data}]', async () => {
      const z = new MetaZnodes('/meta');
      await zk.session.writePersistent(z.offset('billing', 'orders', '1-0'), '100-1000');
      const copied = await json('copy-offsets', '--zk', zk.server.connect, '--topic', 'orders', '--source', '1', '--target', '2', '--start', '0', '--end', '0');
      assert.deepEqual(copied, [{ group: 'billing', topic: 'orders', from: '1-0', to: '2-0', data: '100-1000' }]);
    });
  });
});
