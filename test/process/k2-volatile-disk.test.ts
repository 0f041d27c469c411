import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { killAllBrokers } from '../support/broker-process.js';
import type { AckedWrite, ReadRecord } from '../support/history-checker.js';
import { isClean, summarize } from '../support/history-checker.js';
import { killLoop } from '../support/k2-kill-loop.js';
import { checkSurvivorPrefix } from '../support/survivor-prefix.js';

/** Cycles of each loop; every SIGKILL on the volatile disk is a power cut (unsynced writes lost). */
const VOLATILE_CYCLES = Number(process.env.K2_VOLATILE_CYCLES ?? 8);

/** A surviving acked put of some cycle and partition with a later survivor of the same cycle and partition. */
function survivorWithALaterOne(runs: AckedWrite[][], reads: ReadRecord[]): AckedWrite | undefined {
  const found = new Set(reads.map((read) => `${read.partition}@${read.offset}=${read.payload}`));
  for (const run of runs) {
    const seen = new Map<number, AckedWrite>();
    for (const write of [...run].sort((a, b) => a.offset - b.offset)) {
      if (!found.has(`${write.partition}@${write.offset}=${write.payload}`)) continue;
      const earlier = seen.get(write.partition);
      if (earlier !== undefined) return earlier;
      seen.set(write.partition, write);
    }
  }
  return undefined;
}

describe('K2 kill loop on the volatile disk model (real broker processes, power cuts)', () => {
  after(killAllBrokers);

  it(`${VOLATILE_CYCLES} cycles on a volatile disk (each SIGKILL a power cut), group commit: nothing acked lost`, { timeout: 300_000 }, async () => {
    const { verdict, cycles } = await killLoop({ cycles: VOLATILE_CYCLES, signals: ['SIGKILL', 'SIGTERM'], volatile: true, system: { unflushThreshold: 0 } });
    assert.ok(isClean(verdict), summarize(verdict));
    for (const cycle of cycles.filter((c) => c.signal === 'SIGTERM')) assert.equal(cycle.exitCode, 0, 'a SIGTERM shutdown exits with status 0');
    assert.ok(
      cycles.every((c) => c.acked > 0),
      'every cycle acked puts before its kill',
    );
  });

  it(
    `${VOLATILE_CYCLES} power cuts on a volatile disk, normal flush (unflushThreshold=100): each cycle's surviving acked puts are an intact prefix`,
    { timeout: 300_000 },
    async () => {
      const { verdict, runs, reads } = await killLoop({ cycles: VOLATILE_CYCLES, signals: ['SIGKILL'], volatile: true, system: { unflushThreshold: 100 } });
      // Acked puts may be lost here (and their offsets reused), nothing else may be wrong.
      const wrong = Object.entries(verdict).filter(([kind, list]: [string, unknown[]]) => kind !== 'lost' && kind !== 'divergent' && list.length > 0);
      assert.deepEqual(wrong, [], summarize(verdict));
      const prefix = checkSurvivorPrefix(runs, reads);
      console.log(
        `# K2 volatile disk, normal flush: ${prefix.survived} acked puts survived, ${prefix.lost} lost to power cuts (at most ${prefix.worstLoss} in one cycle and partition)`,
      );
      assert.deepEqual(prefix.violations, [], 'no acked put survives a lost one of its cycle and partition');
      assert.ok(prefix.survived > 0 && prefix.lost > 0, 'the cuts landed between fsyncs: some acked puts survived, some were lost');
      // The prefix check has teeth: a survivor taken out of the middle of a cycle is a hole it reports.
      const middle = survivorWithALaterOne(runs, reads);
      assert.ok(middle !== undefined, 'a surviving acked put with a later survivor to take out');
      const holed = reads.filter((read) => !(read.partition === middle.partition && read.offset === middle.offset));
      assert.ok(checkSurvivorPrefix(runs, holed).violations.length > 0, 'a hole among the survivors is reported');
    },
  );

  it('negative control: unsynced writes dropped on every SIGKILL (volatile disk, unflushThreshold=1000) is caught', async () => {
    const { verdict } = await killLoop({ cycles: 3, signals: ['SIGKILL'], volatile: true, system: { unflushThreshold: 1000, unflushInterval: 600_000 } });
    assert.ok(verdict.lost.length > 0, `the checker must report lost acked messages: ${summarize(verdict)}`);
  });
});
