import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MoveFault } from '../../src/common/move-faults.js';
import { MOVE_FAULTS } from '../../src/common/move-faults.js';
import { killAllBrokers } from '../support/broker-process.js';
import { zookeeperForSuite } from '../support/suite-zookeeper.js';
import { checkMove } from './move-history.js';
import type { MoveVerdict } from './move-history.js';
import type { MoveKill } from './move-kill.js';
import { runMoveKill } from './move-kill.js';

const STEPS = ['copying', 'fencing', 'switched'] as const;

/**
 * The kill -9 matrix of online moves for one party (docs/testing.md): killed in each step of the
 * move and started again, under load, with the history checker; then the negative control, the
 * same kill with one protection switched off, which the checker must catch.
 */
export function describeMoveKills(
  id: string,
  kill: MoveKill['kill'],
  control: { at: MoveKill['at']; fault: MoveFault; protection: string; caught: (verdict: MoveVerdict | undefined, refused: string | undefined) => boolean },
): void {
  describe(`${id}: online move, kill -9 of the ${kill} at each step`, { timeout: 600_000 }, () => {
    const zookeeper = zookeeperForSuite({ session: true, cleanup: killAllBrokers });

    for (const [i, at] of STEPS.entries()) {
      it(`killed while ${at}: the move finishes, nothing acked lost, nothing delivered twice${kill === 'client' ? ' (but what the killed client processed after its last commit)' : ''}, order and offsets kept`, async () => {
        const { history, stateAtKill, refused } = await runMoveKill(zookeeper, { kill, at, base: 10 + 2 * i });
        assert.equal(stateAtKill, at, `the kill landed while the move was ${at}`);
        assert.equal(refused, undefined, 'the move finished');
        const verdict = checkMove(history);
        console.log(`move kill ${kill}@${at}: ${verdict.acked} acked, ${verdict.redelivered} redelivered after the killed client's last commit`);
        assert.deepEqual(verdict.lost, [], 'nothing acked lost');
        assert.deepEqual(verdict.misplaced, [], 'every message at the partition and offset its producer was told');
        assert.deepEqual(verdict.duplicates, [], 'nothing delivered twice');
        assert.deepEqual(verdict.ackOrder, [], "each producer's order kept in the moved partition");
        assert.deepEqual(verdict.deliveryOrder, [], 'each consumer reads a partition in order');
        if (kill !== 'client') assert.equal(verdict.redelivered, 0, 'no consumer died, so nothing is redelivered');
      });
    }

    it(`negative control: without ${control.protection} (${MOVE_FAULTS[control.fault]}=1), the same kill while ${control.at} is caught`, async () => {
      const { history, refused } = await runMoveKill(zookeeper, { kill, at: control.at, base: 20, faults: [control.fault] });
      const verdict = refused === undefined ? checkMove(history) : undefined;
      console.log(
        `move kill negative control ${kill}@${control.at}, ${MOVE_FAULTS[control.fault]}: ${
          verdict === undefined
            ? `the target refused to switch (${refused})`
            : `${verdict.lost.length} lost, ${verdict.misplaced.length} misplaced, ${verdict.duplicates.length} duplicates, ${verdict.ackOrder.length} out of order`
        }`,
      );
      assert.ok(
        control.caught(verdict, refused),
        `caught: ${JSON.stringify(verdict === undefined ? {} : { ...verdict, lost: verdict.lost.slice(0, 3), duplicates: verdict.duplicates.slice(0, 3), misplaced: verdict.misplaced.slice(0, 3) })}`,
      );
    });
  });
}
