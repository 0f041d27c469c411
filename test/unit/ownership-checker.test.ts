import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GroupEvent } from '../support/ownership-checker.js';
import { checkGroup } from '../support/ownership-checker.js';

const delivered = (who: string, offset: number, at: number, partition = '1-0'): GroupEvent => ({
  kind: 'delivered',
  who,
  partition,
  offset,
  data: `d${offset}`,
  at,
});

describe('group checker (K8, N6): controls that must fail', () => {
  const handover: GroupEvent[] = [
    { kind: 'assigned', who: 'a', partition: '1-0', at: 0 },
    delivered('a', 0, 1),
    delivered('a', 10, 2),
    { kind: 'died', who: 'a', at: 3 },
    { kind: 'assigned', who: 'b', partition: '1-0', at: 5 },
    delivered('b', 10, 6),
    delivered('b', 20, 7),
  ];

  it('passes a clean handover and counts its redelivery', () => {
    const verdict = checkGroup(handover, ['d0', 'd10', 'd20']);
    assert.deepEqual([verdict.overlaps, verdict.outsideOwnership, verdict.duplicatesWithinOwnership, verdict.lost], [[], [], [], []]);
    assert.equal(verdict.handoverDuplicates, 1);
  });

  it('catches two live owners, a delivery after death, a repeat within one ownership, and a lost message', () => {
    const verdict = checkGroup(
      [
        { kind: 'assigned', who: 'a', partition: '1-0', at: 0 },
        { kind: 'assigned', who: 'b', partition: '1-0', at: 2 },
        delivered('a', 0, 1),
        delivered('a', 0, 3),
        { kind: 'revoked', who: 'a', partition: '1-0', at: 4 },
        delivered('a', 10, 5),
      ],
      ['d0', 'd10', 'd99'],
    );
    assert.equal(verdict.overlaps.length, 1);
    assert.equal(verdict.duplicatesWithinOwnership.length, 1);
    assert.equal(verdict.outsideOwnership.length, 1);
    assert.deepEqual(verdict.lost, ['d99']);
  });
});
