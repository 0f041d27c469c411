import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { TimingWheel } from '../../src/broker/delayed/timing-wheel.js';

describe('timing wheel', () => {
  it('releases every timer once, never before its time, earliest first, whichever way the clock moves', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 200_000 }), { maxLength: 200 }),
        fc.array(
          fc.integer({ min: -30_000, max: 30_000 }).filter((step) => step !== 0),
          { minLength: 1, maxLength: 60 },
        ),
        (dues, steps) => {
          const start = 1_000_000;
          const wheel = new TimingWheel<number>(100, 64, start);
          dues.forEach((due, n) => wheel.add(start + due, n));
          let now = start;
          const released: number[] = [];
          for (const step of [...steps, 'end' as const]) {
            now = step === 'end' ? start + 10_000_000 : now + step;
            const out = wheel.advance(now);
            for (const n of out) assert.ok(start + dues[n]! <= now, `timer ${n} due at ${start + dues[n]!} released at ${now}`);
            assert.deepEqual(
              out.map((n) => dues[n]!),
              out.map((n) => dues[n]!).sort((a, b) => a - b),
            );
            released.push(...out);
            // Whatever is still in the wheel is not due yet: nothing waits for a later tick or turn.
            assert.equal(wheel.size, dues.length - released.length);
            const left = new Set(released);
            for (let n = 0; n < dues.length; n += 1)
              if (!left.has(n)) assert.ok(start + dues[n]! > now, `timer ${n} due at ${start + dues[n]!} still held at ${now}`);
          }
          assert.deepEqual(
            [...released].sort((a, b) => a - b),
            dues.map((_, n) => n),
            'each once',
          );
        },
      ),
    );
  });

  it('a jump forward releases all that is due at once; after a jump back timers come out at their own times', () => {
    const wheel = new TimingWheel<string>(100, 10, 0);
    wheel.add(5_000, 'in 5 s');
    wheel.add(86_400_000, 'tomorrow');
    assert.deepEqual(wheel.advance(3_600_000), ['in 5 s'], 'an hour later');
    wheel.add(3_601_000, 'a second after');
    assert.deepEqual(wheel.advance(0), [], 'set back an hour');
    wheel.add(500, 'half a second after the new time');
    assert.deepEqual(wheel.advance(400), []);
    assert.deepEqual(wheel.advance(500), ['half a second after the new time'], 'not held until the clock is back where it was');
    assert.deepEqual(wheel.advance(3_600_500), []);
    assert.deepEqual(wheel.advance(3_601_000), ['a second after']);
    assert.deepEqual(wheel.advance(86_400_000), ['tomorrow']);
    assert.equal(wheel.size, 0);
  });

  it('releases a timer due later in the current tick at the first advance past it', () => {
    const wheel = new TimingWheel<string>(100, 10, 10_000);
    wheel.add(10_180, 'late in the next tick');
    assert.deepEqual(wheel.advance(10_150), [], 'its tick has begun, its time has not');
    assert.deepEqual(wheel.advance(10_180), ['late in the next tick']);
  });

  it('releases a timer added for a time already past at the next advance', () => {
    const wheel = new TimingWheel<string>(100, 10, 10_000);
    wheel.add(1, 'late');
    wheel.add(10_050, 'later in this tick');
    assert.deepEqual(wheel.advance(10_000), ['late'], 'without the clock moving');
    assert.deepEqual(wheel.advance(10_049), []);
    assert.deepEqual(wheel.advance(10_050), ['later in this tick']);
  });
});
