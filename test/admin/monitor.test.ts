import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { AdminClient } from '../../src/admin/admin-client.js';
import { AlertBook } from '../../src/cli/monitor/alert-book.js';
import type { Alert } from '../../src/cli/monitor/alert-book.js';
import { BrokerChecks, defaultThresholds } from '../../src/cli/monitor/broker-checks.js';
import { readSnapshot } from '../../src/cli/monitor/broker-snapshot.js';
import { runMonitor } from '../../src/cli/monitor/monitor.js';
import type { MonitorOptions } from '../../src/cli/monitor/monitor.js';
import { MetaqClient } from '../../src/client/index.js';
import { CLI } from '../support/broker-process.js';
import { adminIni, startAdminFixture, TOKEN } from '../support/admin-fixture.js';
import type { AdminFixture } from '../support/admin-fixture.js';
import { put, WireSession } from '../support/wire-client.js';
import { txCommand, txPut, xaKey } from '../support/wire-transactions.js';

const run = promisify(execFile);
const monitorTopics = '[topic=orders]\nnumPartitions=2\n[topic=meta-monitor-topic]\n';
/** Thresholds that keep the machine's own state (its disk, its load) out of the assertions. */
const quiet = { ...defaultThresholds, diskUsed: 1.01, loadPerCpu: 1e9 };

function options(brokers: string[], overrides: Partial<MonitorOptions> = {}): MonitorOptions {
  return {
    brokers,
    token: TOKEN,
    rounds: 1,
    intervalMs: 0,
    probe: { topic: 'meta-monitor-topic', group: 'meta-monitor-receive', sendTimeoutMs: 3000, receiveTimeoutMs: 3000 },
    thresholds: quiet,
    ignoredGroups: ['meta-monitor-receive'],
    json: true,
    ...overrides,
  };
}

function collect(): { out: NodeJS.WritableStream; lines: () => Array<Alert & { state: string }> } {
  const chunks: string[] = [];
  const out = { write: (chunk: string) => chunks.push(chunk) > 0 } as unknown as NodeJS.WritableStream;
  return {
    out,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Alert & { state: string }),
  };
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('metaq monitor', () => {
  let f: AdminFixture;
  let session: WireSession;

  before(async () => {
    f = await startAdminFixture(adminIni('', monitorTopics));
    session = await WireSession.open('127.0.0.1', f.broker.port);
  });
  after(async () => {
    await session.close();
    await f.stop();
  });

  it('probes a healthy broker through the CLI: the probe goes out and comes back, nothing alerts, exit 0', async () => {
    const probes = async () => (await f.api<{ messages: number }>('/topics/meta-monitor-topic')).body.messages;
    const before = await probes();
    const { stdout } = await run(process.execPath, [
      CLI,
      'monitor',
      '--admin',
      f.admin.url,
      '--token',
      TOKEN,
      '--rounds',
      '2',
      '--interval-ms',
      '0',
      '--disk-used-percent',
      '101',
      '--load-per-cpu',
      '1000000',
    ]);
    assert.equal(stdout, '');
    assert.equal(await probes(), before + 2, 'one probe per round was stored');
    const groups = await f.api<{ groups: Array<{ group: string }> }>('/groups?all=true'); // the probe group is one of metaq's own
    assert.ok(
      groups.body.groups.some((g) => g.group === 'meta-monitor-receive'),
      'and read back with the probe group',
    );
  });

  it('alerts and exits 2 when the probe topic is not configured, saying how to fix it', async () => {
    const bare = await startAdminFixture(adminIni());
    try {
      await assert.rejects(
        run(process.execPath, [
          CLI,
          'monitor',
          '--admin',
          bare.admin.url,
          '--token',
          TOKEN,
          '--rounds',
          '1',
          '--disk-used-percent',
          '101',
          '--load-per-cpu',
          '1000000',
        ]),
        (error: { code: number; stdout: string }) => {
          assert.equal(error.code, 2);
          assert.match(error.stdout, /ALERT probe-send on http:.*add \[topic=meta-monitor-topic\] to the broker's server.ini and run metaq reload/);
          return true;
        },
      );
    } finally {
      await bare.stop();
    }
  });

  it('reports an admin API it cannot reach, and refuses to start without a token', async () => {
    const { out, lines } = collect();
    const url = `http://127.0.0.1:${await closedPort()}`;
    assert.equal(await runMonitor(options([url]), out, undefined), 1);
    assert.equal(lines()[0]?.kind, 'unreachable');
    assert.match(lines()[0]!.message, /could not reach the admin API/);
    await assert.rejects(
      run(process.execPath, [CLI, 'monitor', '--admin', f.admin.url], { env: { ...process.env, METAQ_ADMIN_TOKEN: '' } }),
      (error: { code: number; stderr: string }) => {
        assert.equal(error.code, 64);
        assert.match(error.stderr, /needs a token/);
        return true;
      },
    );
  });

  it('finds a stalled consumer, a prepared transaction, failed puts, full disks and busy clients; clears them when they end', async () => {
    const url = f.admin.url;
    const checks = new BrokerChecks(url, { ...quiet, stallMs: 0, putFailed: 0, preparedAgeMs: 0, connectionsPerAddress: 0 }, new Set(['meta-monitor-receive']));
    const admin = new AdminClient(url, TOKEN);
    const book = new AlertBook();
    const round = async (): Promise<{ started: Alert[]; cleared: Alert[] }> => book.update([url], checks.check(await readSnapshot(admin, Date.now())));

    // billing reads partition 0 from the start, then stops while messages keep arriving.
    for (let i = 0; i < 3; i += 1) assert.equal((await put(session, 'orders', 0, `order-${i}`)).code, 200);
    const client = new MetaqClient({ serverUrl: f.broker.url });
    try {
      await client.get('orders', 0, 0, { group: 'billing' });
      // A put to a partition the topic does not have fails.
      assert.equal((await put(session, 'orders', 7, 'nowhere')).code, 500);
      const key = xaKey('monitor-1', 'shop');
      await txCommand(session, key, 'BEGIN', { qualifier: 'shop', timeout: 60 });
      await txPut(session, key, 'orders', 1, 'xa-monitor');
      await txCommand(session, key, 'PREPARE', { qualifier: 'shop' });

      const first = await round();
      const kinds = (alerts: Alert[]) => alerts.map((a) => `${a.kind}${a.subject === '' ? '' : ` ${a.subject}`}`).sort();
      // The first round sees positions for the first time: no stall yet, and no earlier failure count.
      assert.deepEqual(kinds(first.started), ['connections 127.0.0.1', 'prepared-transactions']);
      assert.match(first.started.find((a) => a.kind === 'prepared-transactions')!.message, /1 XA transactions prepared .*XID:1:6d6f6e69746f722d31/);

      assert.equal((await put(session, 'orders', 9, 'nowhere')).code, 500);
      const second = await round();
      assert.deepEqual(kinds(second.started), ['put-failed', 'stalled-consumer billing orders-0']);
      assert.match(
        second.started.find((a) => a.kind === 'stalled-consumer')!.message,
        /group billing has not moved in orders partition 0 .* at offset 0 with \d+ bytes to read/,
      );
      assert.deepEqual(second.cleared, []);

      // billing catches up and the transaction is committed: those alerts clear; nothing else failed.
      const end = f.broker.stores.find('orders', 0)!.visibleEnd;
      await client.get('orders', 0, end, { group: 'billing' });
      assert.equal((await txCommand(session, key, 'COMMIT_TWO_PHASE', { qualifier: 'shop' })).code, 200);
      const third = await round();
      assert.deepEqual(kinds(third.cleared), ['prepared-transactions', 'put-failed', 'stalled-consumer billing orders-0']);
      assert.deepEqual(third.started, []);
    } finally {
      await client.close();
    }

    const full = new BrokerChecks(url, { ...quiet, diskUsed: 0 }, new Set());
    const disks = full.check(await readSnapshot(admin, Date.now())).filter((a) => a.kind === 'disk');
    assert.ok(
      disks.some((a) => a.subject === f.broker.config.system.dataPath),
      "the data path's disk is reported",
    );
  });
});
