import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { Broker } from '../../src/broker/broker.js';
import { loadBrokerConfig } from '../../src/broker/config/load-config.js';
import type { TraceEvent } from '../../src/broker/tracing/trace-book.js';
import { MetaqClient } from '../../src/client/index.js';
import { CLI } from '../support/broker-process.js';
import { eventually } from '../support/eventually.js';
import { adminIni, startAdminFixture, TOKEN } from '../support/admin-fixture.js';
import { brokerIni, startFromIni } from '../support/replica-pair.js';
import { silentLogger } from '../support/storage-harness.js';

const run = promisify(execFile);
const metaq = (...args: string[]) => run(process.execPath, [CLI, ...args], { env: { ...process.env, METAQ_ADMIN_TOKEN: '' } });
const steps = (events: TraceEvent[] | undefined): string[] => (events ?? []).map((e) => (e.event === 'delivered' ? `delivered to ${e.group}` : e.event));

describe('message tracing', { timeout: 60_000 }, () => {
  it('records when a message was stored and which groups fetched it, queryable by id from the CLI, across a restart', async () => {
    const f = await startAdminFixture(adminIni('', '[topic=audit]\ntrace=true\n[topic=orders]\n'));
    const client = new MetaqClient({ serverUrl: f.broker.url });
    let restarted: Broker | undefined;
    try {
      const traced = await client.producer().send({ topic: 'audit', data: 'login alice' });
      const untraced = await client.producer().send({ topic: 'orders', data: 'order 1' });
      await client.get('audit', 0, 0, { group: 'security' });
      await client.get('audit', 0, 0, { group: 'archive' });
      await client.get('orders', 0, 0, { group: 'billing' });

      const { stdout } = await metaq('trace', String(traced.id), '--admin', f.admin.url, '--token', TOKEN);
      const lines = stdout.trim().split('\n');
      assert.equal(lines.length, 4, stdout);
      assert.match(lines[0]!, /^\S+Z\tbroker 3\tproduced\taudit-0\tfrom 127\.0\.0\.1:\d+$/);
      assert.match(lines[1]!, new RegExp(`^\\S+Z\tbroker 3\tstored\taudit-0\toffset ${traced.offset}$`));
      assert.match(lines[2]!, new RegExp(`^\\S+Z\tbroker 3\tdelivered\taudit-0\toffset ${traced.offset} to group security \\(127\\.0\\.0\\.1:\\d+\\)$`));
      assert.match(lines[3]!, /\tdelivered\taudit-0\toffset \d+ to group archive /);
      const json = JSON.parse((await metaq('trace', String(traced.id), '--json', '--admin', f.admin.url, '--token', TOKEN)).stdout) as TraceEvent[];
      assert.deepEqual(steps(json), ['produced', 'stored', 'delivered to security', 'delivered to archive']);

      await assert.rejects(
        metaq('trace', String(untraced.id), '--admin', f.admin.url, '--token', TOKEN),
        (error: { code: number; stderr: string }) => error.code === 1 && /no trace of message \d+ .*trace=true/.test(error.stderr),
      );
      await assert.rejects(
        metaq('trace', 'abc', '--admin', f.admin.url, '--token', TOKEN),
        (error: { code: number; stderr: string }) =>
          error.code === 64 && /value 'abc' is invalid for argument 'id'\. It is not a message id/.test(error.stderr),
      );
      const api = await f.api<{ message: string }>(`/traces/${untraced.id}`);
      assert.equal(api.status, 404);
      assert.match(api.body.message, /no trace of message/);

      await client.close();
      await f.stop();
      const config = await loadBrokerConfig(f.configFile);
      config.system.serverPort = 0;
      restarted = await Broker.start({ config, logger: silentLogger, host: '127.0.0.1' });
      assert.deepEqual(
        steps(restarted.traces?.eventsOf(traced.id)),
        ['produced', 'stored', 'delivered to security', 'delivered to archive'],
        'read back from the journal',
      );
    } finally {
      await client.close();
      await restarted?.stop();
    }
  });

  it('records the sync slave confirming a traced message', async () => {
    const slave = await startFromIni(brokerIni({}, { role: 'sync-slave' }));
    const master = await startFromIni(brokerIni({ trace: true }, { slave: `127.0.0.1:${slave.port}` }));
    const client = new MetaqClient({ serverUrl: master.url });
    try {
      await eventually(() => master.replication.syncMaster!.status().connected, 'the master connecting to its slave');
      const sent = await client.producer().send({ topic: 'audit', data: 'replicated' });
      await eventually(() => steps(master.traces?.eventsOf(sent.id)).includes('replicated'), 'the replication traced');
      const events = master.traces!.eventsOf(sent.id)!;
      assert.deepEqual(steps(events), ['produced', 'stored', 'replicated']);
      assert.equal(events[2]!.event === 'replicated' && events[2]!.slave, `127.0.0.1:${slave.port}`);
      assert.equal(slave.traces, undefined, 'a broker with no traced topic keeps no trace');
    } finally {
      await client.close();
      await master.stop();
      await slave.stop();
    }
  });
});
