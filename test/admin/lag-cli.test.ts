import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { MetaqClient } from '../../src/client/index.js';
import type { LagRow } from '../../src/cli/lag-command.js';
import { CLI } from '../support/broker-process.js';
import { adminIni, startAdminFixture, TOKEN } from '../support/admin-fixture.js';
import type { AdminFixture } from '../support/admin-fixture.js';

const run = promisify(execFile);
const metaq = (...args: string[]) => run(process.execPath, [CLI, ...args], { env: { ...process.env, METAQ_ADMIN_TOKEN: '' } });

describe('metaq lag', () => {
  let f: AdminFixture;
  let client: MetaqClient;
  let ends: number[];

  before(async () => {
    f = await startAdminFixture(adminIni());
    client = new MetaqClient({ serverUrl: f.broker.url, partitions: { orders: 2 } });
    const producer = client.producer();
    for (let n = 0; n < 20; n += 1) await producer.send({ topic: 'orders', data: `order ${n}` });
    ends = [0, 1].map((p) => f.broker.replication.visibleEnd(f.broker.stores.find('orders', p)!));
    // Group billing has read partition 0 to its end and partition 1 not at all; group audit only partition 1 half way.
    await client.get('orders', 0, ends[0]!, { group: 'billing' });
    await client.get('orders', 1, 0, { group: 'billing' });
    const half = (await client.get('orders', 1, 0, { group: 'audit', maxSize: 64 })).nextOffset;
    await client.get('orders', 1, half, { group: 'audit' });
  });
  after(async () => {
    await client.close();
    await f.stop();
  });

  it("prints each group's position, end and lag per partition, and the total", async () => {
    const { stdout } = await metaq('lag', '--group', 'billing', '--admin', f.admin.url, '--token', TOKEN);
    const lines = stdout.trim().split('\n');
    assert.match(lines[0]!, /^GROUP\s+TOPIC\s+PARTITION\s+POSITION\s+END\s+LAG BYTES\s+LAG MSGS \(EST\.\)\s+OWNER\s+LAST FETCH$/);
    assert.match(
      lines[1]!,
      new RegExp(`^billing\\s+orders\\s+3-0\\s+${ends[0]} \\(fetched\\)\\s+${ends[0]}\\s+0\\s+~0\\s+127\\.0\\.0\\.1:\\d+\\s+[0-9.]+ s ago$`),
    );
    assert.match(lines[2]!, new RegExp(`^billing\\s+orders\\s+3-1\\s+0 \\(fetched\\)\\s+${ends[1]}\\s+${ends[1]}\\s`));
    const behind = f.broker.stores.find('orders', 1)!.messageCount;
    assert.match(lines[2]!, new RegExp(`\\s${ends[1]}\\s+~${behind}\\s`), 'all of partition 1 behind, in messages');
    assert.equal(lines[3], `total lag ${ends[1]} bytes, about ${behind} messages (bytes / average message size)`);
  });

  it('answers JSON for scripts, filtered by group and topic', async () => {
    const all = JSON.parse((await metaq('lag', '--json', '--admin', f.admin.url, '--token', TOKEN)).stdout) as LagRow[];
    assert.deepEqual(
      all.map((r) => [r.group, r.partition]),
      [
        ['audit', '3-1'],
        ['billing', '3-0'],
        ['billing', '3-1'],
      ],
    );
    const audit = all.find((r) => r.group === 'audit')!;
    assert.ok(audit.position! > 0 && audit.position! < ends[1]!, 'half way');
    assert.equal(audit.lagBytes, ends[1]! - audit.position!);
    assert.equal(audit.positionFrom, 'fetched');
    const none = JSON.parse((await metaq('lag', '--json', '--topic', 'logs', '--admin', f.admin.url, '--token', TOKEN)).stdout) as LagRow[];
    assert.deepEqual(none, []);
  });

  it('says so when a group has nothing here, and refuses a bad token with a clear error', async () => {
    assert.match(
      (await metaq('lag', '--group', 'nobody', '--admin', f.admin.url, '--token', TOKEN)).stdout,
      /group nobody has fetched from http:\/\/127\.0\.0\.1:\d+ since it started, and ZooKeeper holds no offsets for it there/,
    );
    await assert.rejects(
      metaq('lag', '--admin', f.admin.url, '--token', 'wrong'),
      (error: { code: number; stderr: string }) => error.code === 1 && /answered 401/.test(error.stderr),
    );
  });

  it("hides metaq's own groups unless --all, and shows a position past the end as such", async () => {
    await client.get('orders', 0, 0, { group: 'metaq-get' });
    await client.get('orders', 0, ends[0]! + 1000, { group: 'rewound' }).catch(() => undefined);
    const listed = async (...extra: string[]) =>
      JSON.parse((await metaq('lag', '--json', '--admin', f.admin.url, '--token', TOKEN, ...extra)).stdout) as LagRow[];
    const plain = await listed();
    assert.ok(!plain.some((r) => r.group === 'metaq-get'), 'metaq get is no consumer');
    assert.ok(
      (await listed('--all')).some((r) => r.group === 'metaq-get'),
      'but --all shows it',
    );
    const rewound = plain.find((r) => r.group === 'rewound');
    assert.ok(rewound !== undefined, 'the broker remembers the position past the end');
    assert.equal(rewound.pastEnd, true);
    assert.equal(rewound.lagBytes, 0);
    const { stdout } = await metaq('lag', '--group', 'rewound', '--admin', f.admin.url, '--token', TOKEN);
    assert.match(stdout, /\bpast end\s+past end\b/);
  });
});
