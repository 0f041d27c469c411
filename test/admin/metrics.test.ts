import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminIni, startAdminFixture } from '../support/admin-fixture.js';
import type { AdminFixture } from '../support/admin-fixture.js';
import { get, put, WireSession } from '../support/wire-client.js';
import { parseExposition, sampleValue } from '../support/prometheus-text.js';

describe('/metrics (Prometheus and OpenMetrics)', () => {
  let f: AdminFixture;
  let session: WireSession;

  before(async () => {
    f = await startAdminFixture(adminIni());
    session = await WireSession.open('127.0.0.1', f.broker.port);
    for (let i = 0; i < 5; i += 1) assert.equal((await put(session, 'orders', 1, `m-${i}`)).code, 200);
    await put(session, 'orders', 7, 'no such partition');
    assert.equal((await get(session, 'orders', 1, 1_000_000)).code, 404);
    assert.equal((await get(session, 'orders', 1, 0)).code, 0, "the group's last fetch position is 0");
  });
  after(async () => {
    await session.close();
    await f.stop();
  });

  it('reports puts, gets, bytes, errors, log sizes, latencies, connections, lag and process metrics', async () => {
    const response = await fetch(`${f.admin.url}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const { samples, types } = parseExposition(await response.text());
    const p1 = { topic: 'orders', partition: '1' };
    assert.equal(sampleValue(samples, 'metaq_messages_put_total', p1), 5);
    assert.equal(sampleValue(samples, 'metaq_put_bytes_total', p1), 15);
    assert.equal(sampleValue(samples, 'metaq_gets_total', p1), 2);
    assert.equal(sampleValue(samples, 'metaq_get_misses_total', p1), 1);
    assert.ok(sampleValue(samples, 'metaq_get_bytes_total', p1)! > 15);
    assert.equal(
      sampleValue(samples, 'metaq_put_errors_total', { topic: 'orders', partition: '7' }),
      undefined,
      'no counters for partitions that do not exist',
    );
    const size = sampleValue(samples, 'metaq_log_size_bytes', p1)!;
    assert.equal(size, 5 * 20 + 15);
    assert.equal(sampleValue(samples, 'metaq_log_max_offset', p1), size);
    assert.equal(sampleValue(samples, 'metaq_log_messages', p1), 5);
    assert.equal(types.get('metaq_storage_fsync_seconds'), 'histogram');
    assert.ok(sampleValue(samples, 'metaq_storage_fsync_seconds_count')! >= 5, 'group commit: at least one fsync per sequential put');
    assert.ok(sampleValue(samples, 'metaq_storage_write_seconds_count')! >= 5);
    assert.ok(sampleValue(samples, 'metaq_connections')! >= 1);
    assert.ok(sampleValue(samples, 'metaq_tail_cache_bytes')! >= size, 'what was just written is in the tail cache');
    assert.equal(
      sampleValue(samples, 'metaq_consumer_lag_bytes', { group: 'test-group', topic: 'orders', partition: '1' }),
      size,
      'fetched at offset 0: all of it is lag',
    );
    assert.equal(sampleValue(samples, 'metaq_broker_info', { broker_id: '3', role: 'master' }), 1);
    const disk = { path: f.broker.config.system.dataPath };
    assert.ok(
      sampleValue(samples, 'metaq_disk_size_bytes', disk)! >= sampleValue(samples, 'metaq_disk_free_bytes', disk)!,
      "the data path's file system, free no more than its size",
    );
    assert.ok(sampleValue(samples, 'metaq_disk_free_bytes', disk)! > 0);
    assert.ok(sampleValue(samples, 'process_resident_memory_bytes')! > 0);
    assert.ok(samples.some((s) => s.name === 'nodejs_eventloop_lag_seconds'));
  });

  it('answers OpenMetrics when asked for it', async () => {
    const response = await fetch(`${f.admin.url}/metrics`, { headers: { accept: 'application/openmetrics-text; version=1.0.0' } });
    assert.match(response.headers.get('content-type') ?? '', /^application\/openmetrics-text; version=1\.0\.0/);
    const text = await response.text();
    assert.ok(text.trimEnd().endsWith('# EOF'), 'OpenMetrics ends with # EOF');
    const { samples, types } = parseExposition(text);
    assert.equal(types.get('metaq_messages_put'), 'counter', 'OpenMetrics names the counter family without _total');
    assert.equal(sampleValue(samples, 'metaq_messages_put_total', { topic: 'orders', partition: '1' }), 5);
  });
});

describe('/metrics with groups made up by a client', () => {
  let f: AdminFixture;
  let session: WireSession;

  before(async () => {
    f = await startAdminFixture(adminIni());
    session = await WireSession.open('127.0.0.1', f.broker.port);
    assert.equal((await put(session, 'orders', 1, 'm')).code, 200);
  });
  after(async () => {
    await session.close();
    await f.stop();
  });

  it('10,000 invented groups fetching one partition: at most metricsGroupSeries (200) lag series of their own, the rest summed into group="_other"', async () => {
    const groups = 10_000;
    for (let from = 0; from < groups; from += 500) {
      const builds = Array.from({ length: 500 }, (_, i) => (opaque: number) => ({
        kind: 'get' as const,
        topic: 'orders',
        group: `invented-${String(from + i).padStart(5, '0')}`,
        partition: 1,
        offset: 0,
        maxSize: 1024,
        opaque,
      }));
      for (const reply of await Promise.all(session.requestTogether(builds))) assert.equal(reply.kind, 'value', 'each get is served');
    }
    assert.equal(f.broker.positions.all().length, groups, 'every made-up group has a fetch position');
    const text = await (await fetch(`${f.admin.url}/metrics`)).text();
    const { samples } = parseExposition(text);
    const lag = samples.filter((s) => s.name === 'metaq_consumer_lag_bytes');
    const size = f.broker.stores.find('orders', 1)!.sizeInBytes;
    assert.equal(lag.filter((s) => s.labels.group !== '_other').length, 200, 'the first 200 groups by name keep their own series');
    assert.equal(sampleValue(samples, 'metaq_consumer_lag_bytes', { group: 'invented-00199', topic: 'orders', partition: '1' }), size);
    assert.equal(
      sampleValue(samples, 'metaq_consumer_lag_bytes', { group: '_other', topic: 'orders', partition: '1' }),
      (groups - 200) * size,
      'the rest summed per partition',
    );
    assert.equal(lag.length, 201);
    assert.ok(text.length < 100_000, `the exposition stays small: ${text.length} bytes`);
  });
});
