import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Alert } from '../../src/cli/monitor/alert-book.js';
import { defaultThresholds } from '../../src/cli/monitor/broker-checks.js';
import { runMonitor } from '../../src/cli/monitor/monitor.js';
import { MetaqClient } from '../../src/client/index.js';
import { adminIni, startAdminFixture, TOKEN } from '../support/admin-fixture.js';
import type { AdminFixture } from '../support/admin-fixture.js';

// The probe topic flushes in batches: a message shows to gets only once flushed, up to 1.5 s later.
const normalFlush = '[topic=meta-monitor-topic]\nunflushThreshold=100000\nunflushInterval=1500\n';

async function probeAlerts(f: AdminFixture): Promise<Alert[]> {
  const chunks: string[] = [];
  const out = { write: (chunk: string) => chunks.push(chunk) > 0 } as unknown as NodeJS.WritableStream;
  await runMonitor(
    {
      brokers: [f.admin.url],
      token: TOKEN,
      rounds: 1,
      intervalMs: 0,
      probe: { topic: 'meta-monitor-topic', group: 'meta-monitor-receive', sendTimeoutMs: 3000, receiveTimeoutMs: 200 },
      thresholds: { ...defaultThresholds, diskUsed: 1.01, loadPerCpu: 1e9 },
      ignoredGroups: ['meta-monitor-receive'],
      json: true,
    },
    out,
    undefined,
  );
  return chunks
    .join('')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Alert)
    .filter((alert) => alert.kind.startsWith('probe'));
}

describe('metaq monitor against a broker in normal flush', { timeout: 60_000 }, () => {
  let f: AdminFixture;
  before(async () => {
    f = await startAdminFixture(adminIni('', normalFlush));
  });
  after(async () => f.stop());

  it('waits up to the topic flush interval for the probe to show: no alert', async () => {
    assert.deepEqual(await probeAlerts(f), []);
  });

  it('still alerts when the probe never shows (a broker that drops it)', async (t) => {
    // Every read comes back empty, as from a broker that lost the message.
    t.mock.method(MetaqClient.prototype, 'get', async () => Promise.resolve({ messages: [] }));
    const alerts = await probeAlerts(f);
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0]!.kind, 'probe-receive');
    assert.match(alerts[0]!.message, /came back missing/);
  });
});
