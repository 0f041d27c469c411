import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { systemClock } from '../../src/common/clock.js';
import type { BrokerContext } from '../../src/broker/broker-context.js';
import { refused } from '../../src/broker/handlers/outcome.js';
import type { StoredOutcome, WriteFailedOutcome } from '../../src/broker/handlers/outcome.js';
import { BrokerCounters } from '../../src/broker/stats/broker-counters.js';
import { PartitionTraffic } from '../../src/broker/stats/partition-traffic.js';
import { RealtimeStats } from '../../src/broker/stats/realtime-stats.js';
import { countOutcome, countRequest } from '../../src/broker/stats/request-stats.js';
import type { GetCommand, PutCommand, PutSetCommand, SyncCommand } from '../../src/protocol/commands.js';

/** The part of a broker the stats read: topic `t` with `stat=true` and one open partition, 0. */
function statsContext(): BrokerContext {
  return {
    counters: new BrokerCounters(),
    traffic: new PartitionTraffic(),
    realtime: new RealtimeStats(systemClock),
    stores: {
      find: (topic: string, partition: number) => (topic === 't' && partition === 0 ? {} : undefined),
      settings: (topic: string) => (topic === 't' ? { stat: true } : undefined),
    },
    replication: { syncSlave: undefined },
  } as unknown as BrokerContext;
}

const put: PutCommand = { kind: 'put', topic: 't', partition: 0, flag: 0, checksum: -1, txKey: undefined, opaque: 1, body: Buffer.alloc(10) };
const set: PutSetCommand = { kind: 'mput', topic: 't', partition: 0, count: 2, opaque: 2, body: Buffer.alloc(0), producer: undefined };
const get: GetCommand = { kind: 'get', topic: 't', group: 'g', partition: 0, offset: 0, maxSize: 1024, opaque: 3 };
const stored = (fields: Partial<StoredOutcome>): StoredOutcome => ({
  kind: 'stored',
  id: 1n,
  partition: 0,
  offset: 0,
  count: -1,
  messages: 1,
  payloadBytes: 10,
  retried: false,
  ...fields,
});
const failed = (fields: Partial<WriteFailedOutcome>): WriteFailedOutcome => ({
  kind: 'writeFailed',
  status: 500,
  text: 'failed',
  partition: 0,
  messages: 2,
  oversized: false,
  ...fields,
});

describe('request stats: counters from requests and outcomes', () => {
  it('counts puts and sets per message, a compressed set by the messages it holds', () => {
    const ctx = statsContext();
    countRequest(ctx, put);
    countOutcome(ctx, put, stored({}));
    countRequest(ctx, set);
    countOutcome(ctx, set, stored({ count: 2, messages: 5, payloadBytes: 50 }));
    assert.equal(ctx.counters.cmdPut, 1 + 5);
    assert.deepEqual({ ...ctx.traffic.of('t', 0) }, { puts: 6, putBytes: 60, putErrors: 0, putRetries: 0, gets: 0, getBytes: 0, getMisses: 0 });
    assert.match(ctx.realtime.forTopic('put', 't'), /^Count=6,Value=6,/);
  });

  it('counts a failed write once, an oversized one as such too, and a retried set as a retry only', () => {
    const ctx = statsContext();
    countRequest(ctx, set);
    countOutcome(ctx, set, failed({ status: 400, oversized: true }));
    countRequest(ctx, set);
    countOutcome(ctx, set, stored({ count: 2, messages: 2, payloadBytes: 0, retried: true }));
    countRequest(ctx, { ...set, topic: 'elsewhere' });
    countOutcome(ctx, { ...set, topic: 'elsewhere' }, failed({}));
    assert.equal(ctx.counters.cmdPut, 6);
    assert.equal(ctx.counters.putFailed, 2);
    assert.equal(ctx.counters.oversizedMessages, 1);
    // Only open partitions get tallies: made-up names cannot grow them.
    assert.deepEqual({ ...ctx.traffic.of('t', 0) }, { puts: 0, putBytes: 0, putErrors: 1, putRetries: 1, gets: 0, getBytes: 0, getMisses: 0 });
    assert.match(ctx.realtime.forTopic('put_failed', 't'), /^Count=1,/);
  });

  it('counts gets, their misses (a 301 as an offset request too) and bytes, but not other refusals as misses', () => {
    const ctx = statsContext();
    for (const outcome of [
      refused(301, '100', 'miss'),
      refused(404, 'none', 'miss'),
      refused(403, 'closed'),
      { kind: 'messages' as const, bytes: Buffer.alloc(7), release: undefined },
    ]) {
      countRequest(ctx, get);
      countOutcome(ctx, get, outcome);
    }
    assert.equal(ctx.counters.cmdGet, 4);
    assert.equal(ctx.counters.getMiss, 2);
    assert.equal(ctx.counters.cmdOffset, 1);
    assert.deepEqual({ ...ctx.traffic.of('t', 0) }, { puts: 0, putBytes: 0, putErrors: 0, putRetries: 0, gets: 4, getBytes: 7, getMisses: 2 });
  });

  it('counts the refusals in front of the handler table by their cause', () => {
    const ctx = statsContext();
    countOutcome(ctx, put, refused(503, 'busy', 'busy'));
    countOutcome(ctx, put, refused(400, 'bad name', 'name'));
    countOutcome(ctx, put, refused(401, 'no right', 'denied'));
    countOutcome(ctx, get, refused(401, 'no right', 'denied'));
    countOutcome(ctx, put, refused(401, 'not logged in'));
    countOutcome(ctx, { kind: 'auth', mechanism: 'SCRAM-SHA-256', opaque: 4, body: Buffer.alloc(0) }, refused(401, 'wrong password', 'login', true));
    assert.equal(ctx.counters.busyRefusals, 1);
    assert.equal(ctx.counters.invalidNames, 1);
    assert.deepEqual(ctx.counters.accessDenials, { publish: 1, subscribe: 1, admin: 0 });
    assert.equal(ctx.counters.loginFailures, 1);
    assert.equal(ctx.counters.cmdPut + ctx.counters.cmdGet + ctx.counters.putFailed + ctx.counters.getMiss, 0);
  });

  it('counts a sync frame as a put only where a sync slave stores it', () => {
    const ctx = statsContext();
    const sync = {
      kind: 'sync',
      topic: 't',
      partition: 0,
      flag: 0,
      msgId: 1n,
      checksum: -1,
      offset: undefined,
      opaque: 5,
      body: Buffer.alloc(1),
    } as SyncCommand;
    countRequest(ctx, sync);
    assert.equal(ctx.counters.cmdPut, 0);
  });
});
