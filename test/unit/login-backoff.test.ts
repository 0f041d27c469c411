import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_LOGIN_BACKOFF, LoginBackoff } from '../../src/broker/auth/login-backoff.js';

/** A back-off on a clock the test moves. */
function backoff(options: Partial<typeof DEFAULT_LOGIN_BACKOFF> = {}) {
  const clock = { ms: 0 };
  return { clock, guard: new LoginBackoff({ ...DEFAULT_LOGIN_BACKOFF, ...options }, () => clock.ms) };
}

describe('login back-off', () => {
  it('lets 5 failures through, then blocks for 5 s, doubling per failure up to the cap', () => {
    const { clock, guard } = backoff();
    for (let i = 0; i < 5; i += 1) {
      assert.equal(guard.waitMs('10.0.0.1', 'alice'), 0);
      guard.failed('10.0.0.1', 'alice');
    }
    assert.equal(guard.waitMs('10.0.0.1', 'alice'), 0, 'five failures cost nothing yet');
    const blocks: number[] = [];
    for (let i = 0; i < 7; i += 1) {
      guard.failed('10.0.0.1', 'alice');
      blocks.push(guard.waitMs('10.0.0.1', 'alice'));
      clock.ms += blocks[i]!;
    }
    assert.deepEqual(blocks, [5000, 10_000, 20_000, 40_000, 60_000, 60_000, 60_000]);
    assert.equal(guard.refusals, 7);
    assert.equal(guard.waitMs('10.0.0.2', 'alice'), 0, 'another address is not blocked');
    assert.equal(guard.waitMs('10.0.0.1', 'bob'), 0, 'another user from the address is not blocked');
  });

  it('forgets a pair after a success, or a minute after its last failure or block', () => {
    const { clock, guard } = backoff();
    for (let i = 0; i < 6; i += 1) guard.failed('a', 'alice');
    assert.ok(guard.waitMs('a', 'alice') > 0);
    guard.succeeded('a', 'alice');
    assert.equal(guard.size, 0);
    for (let i = 0; i < 6; i += 1) guard.failed('a', 'alice');
    clock.ms += 5000 + 60_001;
    guard.failed('a', 'alice');
    assert.equal(guard.waitMs('a', 'alice'), 0, 'a fresh count: the first failure of a new window is free');
  });

  it('remembers at most maxEntries pairs, the oldest failure forgotten first; 0 free failures turns it off', () => {
    const { guard } = backoff({ maxEntries: 100 });
    for (let i = 0; i < 1000; i += 1) guard.failed('a', `made-up-${i}`);
    assert.equal(guard.size, 100);
    const off = backoff({ freeFailures: 0 }).guard;
    for (let i = 0; i < 50; i += 1) off.failed('a', 'alice');
    assert.equal(off.waitMs('a', 'alice'), 0);
    assert.equal(off.size, 0);
  });

  it('when full, forgets unblocked pairs first: made-up names do not push out a blocked one', () => {
    const { guard } = backoff({ maxEntries: 100, addressFreeFailures: 0 });
    for (let i = 0; i < 6; i += 1) guard.failed('a', 'alice');
    assert.ok(guard.waitMs('a', 'alice') > 0, 'alice is blocked from a');
    for (let i = 0; i < 10_000; i += 1) guard.failed('a', `made-up-${i}`);
    assert.equal(guard.size, 100);
    assert.ok(guard.waitMs('a', 'alice') > 0, 'still blocked after 10,000 made-up names');
    // A pair whose block has ended is not blocked: it goes before the unblocked ones, a pair still blocked never.
    const small = backoff({ maxEntries: 3, addressFreeFailures: 0 });
    for (const [user, at] of [
      ['u1', 0],
      ['u2', 0],
      ['u3', 5000],
    ] as const) {
      small.clock.ms = at;
      for (let i = 0; i < 6; i += 1) small.guard.failed('b', user);
    }
    for (const user of ['u4', 'u5', 'u6', 'u7']) small.guard.failed('b', user);
    assert.equal(small.guard.size, 3);
    assert.ok(small.guard.waitMs('b', 'u3') > 0, 'u3, still blocked, is kept; u1 and u2, whose blocks ended, and u4-u6 were forgotten');
  });

  it('slows one address guessing many names, across all names, without one typo locking out its other users', () => {
    const { guard } = backoff();
    for (let i = 0; i < 100; i += 1) guard.failed('10.0.0.9', `guess-${i}`);
    assert.equal(guard.waitMs('10.0.0.9', 'guess-100'), 0, '100 failures over many names are free');
    assert.equal(guard.addresses, 1);
    guard.failed('10.0.0.9', 'guess-100');
    const refusal = guard.refusal('10.0.0.9', 'someone-new');
    assert.equal(refusal?.waitMs, 5000, 'the 101st failure from the address blocks every name from it');
    assert.match(refusal.text, /too many failed logins from this address, whatever the user name: no login is tried for 5 s more/);
    assert.equal(guard.waitMs('10.0.0.10', 'someone-new'), 0, 'other addresses are not affected');
    guard.succeeded('10.0.0.9', 'alice');
    assert.ok(guard.waitMs('10.0.0.9', 'bob') > 0, 'a success as one name does not clear the address count');
    const host = backoff().guard;
    for (let i = 0; i < 6; i += 1) host.failed('10.0.0.1', 'carol');
    assert.ok(host.waitMs('10.0.0.1', 'carol') > 0);
    assert.equal(host.waitMs('10.0.0.1', 'dave'), 0, "one user's wrong password does not lock out the others on its host");
  });

  it('takes an IPv4 client of a dual-stack listener for the same address', () => {
    const { guard } = backoff();
    for (let i = 0; i < 6; i += 1) guard.failed('::ffff:127.0.0.1', 'alice');
    assert.ok(guard.waitMs('127.0.0.1', 'alice') > 0);
  });
});
