import { describeMoveKills } from './move-kill-suite.js';

describeMoveKills('M2', 'target', {
  at: 'copying',
  fault: 'shortCopy',
  protection: "the target's check that its copy reaches the source's final end",
  caught: (verdict) => verdict !== undefined && verdict.lost.length + verdict.misplaced.length + verdict.ackOrder.length > 0,
});
