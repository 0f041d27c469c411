import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ByteRateBucket } from '../../src/broker/quotas/byte-rate-bucket.js';
import { MAX_THROTTLE_MS, Quotas } from '../../src/broker/quotas/quotas.js';
import type { Clock } from '../../src/common/clock.js';

/** A clock the test moves by hand. */
function manualClock(): Clock & { now: number } {
  const clock = { now: 0, wallMs: () => clock.now, monotonicMs: () => clock.now };
  return clock;
}

describe('quotas', () => {
  it('a bucket lets a second of its rate through at once and holds the rest for as long as the rate needs', () => {
    const bucket = new ByteRateBucket(1000, 0);
    assert.equal(bucket.take(1000, 0), 0, 'the burst');
    assert.equal(bucket.take(500, 0), 500, '500 bytes over at 1,000 B/s: half a second');
    assert.equal(bucket.take(0, 500), 0, 'paid back after that half second');
    assert.equal(bucket.take(250, 500), 250);
    assert.equal(bucket.take(0, 10_000_000), 0);
    assert.equal(bucket.take(1500, 10_000_000), 500, 'a long idle refills one second at most');
  });

  it('a clock stepping back refills nothing and never gives credit', () => {
    const bucket = new ByteRateBucket(1000, 5_000);
    assert.equal(bucket.take(1000, 5_000), 0);
    assert.equal(bucket.take(100, 1_000), 100, 'four seconds back: still in debt');
    assert.equal(bucket.take(0, 5_100), 0, 'paid once time passes the last point seen');
  });

  it("holds a request to the stricter of its client's and its topic's rates, counts it, and caps the hold", () => {
    const clock = manualClock();
    const quotas = new Quotas(clock);
    const limits = { clientBytesPerSecond: 10_000, topicBytesPerSecond: 2_000 };
    assert.equal(quotas.charge('produce', '10.0.0.1', 'orders', 2_000, limits), 0);
    assert.equal(quotas.charge('produce', '10.0.0.1', 'orders', 1_000, limits), 500, 'the topic is the stricter');
    assert.deepEqual(quotas.held(), [{ kind: 'produce', scope: 'topic', name: 'orders', seconds: 0.5 }]);
    assert.equal(
      quotas.charge('fetch', '10.0.0.1', 'orders', 1_000_000, { clientBytesPerSecond: 1_000, topicBytesPerSecond: 0 }),
      MAX_THROTTLE_MS,
      'a huge debt holds at most the cap',
    );
    assert.equal(quotas.charge('produce', '10.0.0.2', 'logs', 1_000_000, { clientBytesPerSecond: 0, topicBytesPerSecond: 0 }), 0, 'no quota, no hold');
  });
});
