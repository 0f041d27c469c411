import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { AdminServer } from '../../src/admin/admin-server.js';
import { Broker } from '../../src/broker/broker.js';
import { parseBrokerConfig } from '../../src/broker/config/broker-config.js';
import { tempDir } from '../support/broker-process.js';
import { silentLogger } from '../support/storage-harness.js';
import { put, scanPartition, WireSession } from '../support/wire-client.js';

const HOUR = 3_600_000;

/** The broker's wall clock, `offsetMs` away from the real one (segment files get real mtimes); monotonic time is real. */
class SkewedClock {
  constructor(public offsetMs: number) {}
  wallMs = (): number => Date.now() + this.offsetMs;
  monotonicMs = (): number => performance.now();
}

describe('N7: clock skew and jumps', { timeout: 60_000 }, () => {
  const brokers: Broker[] = [];
  after(async () => Promise.all(brokers.map((broker) => broker.stop())));

  it('a forward jump pauses deletion by age with a clock-anomaly warning; a backward one deletes nothing; order follows offsets', async () => {
    // Started an hour behind; segments older than an hour are deleted, acks wait for the fsync.
    const clock = new SkewedClock(-HOUR);
    const text = `[system]\ndataPath=${tempDir('n7')}\nserverPort=0\nunflushThreshold=1\nmaxSegmentSize=300\ndeletePolicy=delete,1h\n[topic=*]\n`;
    const broker = await Broker.start({ config: parseBrokerConfig(text, 'n7.ini'), logger: silentLogger, host: '127.0.0.1', clock });
    brokers.push(broker);
    const admin = await AdminServer.start(broker, { port: 0, host: '127.0.0.1', token: 't' });
    const session = await WireSession.open('127.0.0.1', broker.port);
    const log = () => broker.stores.find('skewed', 0)!;
    try {
      const sent: string[] = [];
      const send = async (n: number): Promise<void> => {
        for (let i = 0; i < n; i += 1) {
          const payload = `m${sent.length}`.padEnd(40, '.');
          assert.equal((await put(session, 'skewed', 0, payload)).code, 200);
          sent.push(payload);
        }
      };
      await send(20);
      const sealed = log().sealedSegments().length;
      assert.ok(sealed >= 2, 'several sealed segments to lose');
      assert.equal(await broker.stores.runRetention(), 0, 'nothing is an hour old');

      clock.offsetMs = 2 * HOUR; // three hours forward: every segment would look two hours old
      assert.equal(await broker.stores.runRetention(), 0, 'deletion by age paused');
      assert.equal(broker.stores.retentionClock.anomalies, 1);
      assert.ok(broker.stores.retentionClock.pausedByMs >= 3 * HOUR - 60_000);
      assert.equal(log().sealedSegments().length, sealed);
      await send(5); // acks (fsync-driven) are not disturbed by the jump

      clock.offsetMs = -2 * HOUR; // back, past where it started
      assert.equal(await broker.stores.runRetention(), 0, 'a backward jump deletes nothing');
      assert.equal(broker.stores.retentionClock.pausedByMs, 0);
      await send(5);
      const read = await scanPartition(session, 'skewed', 0);
      assert.deepEqual(
        read.map((r) => r.payload),
        sent,
        'every message, in send order, by offset, whatever the ids say',
      );

      clock.offsetMs = 2 * HOUR;
      assert.equal(await broker.stores.runRetention(), 0);
      assert.equal(broker.stores.retentionClock.anomalies, 2, 'each jump is reported');
      const metrics = await (await fetch(`${admin.url}/metrics`)).text();
      assert.match(metrics, /^metaq_clock_anomalies_total 2$/m);
      assert.match(metrics, /^metaq_retention_paused_jump_seconds [1-9]\d+/m);

      // The operator says the new time is right: deletion by age resumes from it.
      const accepted = await fetch(`${admin.url}/api/clock/accept`, { method: 'POST', headers: { authorization: 'Bearer t' } });
      assert.equal(((await accepted.json()) as { retentionPaused: boolean }).retentionPaused, false);
      assert.ok((await broker.stores.runRetention()) >= sealed, 'the old segments are deleted once the time is accepted');
    } finally {
      await session.close();
      await admin.close();
    }
  });
});
