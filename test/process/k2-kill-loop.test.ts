import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { killAllBrokers } from '../support/broker-process.js';
import type { Footprint } from '../support/process-footprint.js';
import { isClean, summarize } from '../support/history-checker.js';
import type { Cycle } from '../support/k2-kill-loop.js';
import { killLoop } from '../support/k2-kill-loop.js';

const CYCLES = Number(process.env.K2_CYCLES ?? 20);

describe('K2 kill loop under continuous load (real broker processes, real disk)', () => {
  after(killAllBrokers);

  it(
    `${CYCLES} cycles of SIGKILL or SIGTERM: nothing acked lost, every SIGTERM stops cleanly in bound, fds and memory level`,
    { timeout: 600_000 },
    async () => {
      const { verdict, cycles } = await killLoop({ cycles: CYCLES, signals: ['SIGKILL', 'SIGTERM'], volatile: false, system: {} });
      assert.ok(isClean(verdict), summarize(verdict));
      for (const cycle of cycles.filter((c) => c.signal === 'SIGTERM')) assert.equal(cycle.exitCode, 0, 'a SIGTERM shutdown exits with status 0');
      assert.ok(
        cycles.every((c) => c.acked > 0),
        'every cycle acked puts before its kill',
      );
      // Each cycle is a new process over more data: what it holds must not grow with the history.
      const early = cycles.slice(0, 5);
      const late = cycles.slice(-5);
      const maxOf = (list: Cycle[], pick: (f: Footprint) => number): number => Math.max(...list.map((c) => pick(c.footprint)));
      // Segment files stay open by design (one per segment); every other descriptor must not grow.
      // A sample can catch a roll's transient files, so a leak shows as the late cycles' least
      // count above the early ones' most.
      const minOf = (list: Cycle[], pick: (f: Footprint) => number): number => Math.min(...list.map((c) => pick(c.footprint)));
      assert.ok(minOf(late, (f) => f.otherFds) <= maxOf(early, (f) => f.otherFds), 'descriptors other than segment files do not grow across cycles');
      assert.ok(maxOf(late, (f) => f.rssMb) <= 2 * maxOf(early, (f) => f.rssMb), 'resident memory does not grow across cycles');
    },
  );
});
