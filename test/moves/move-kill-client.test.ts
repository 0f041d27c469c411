import { describeMoveKills } from './move-kill-suite.js';

describeMoveKills('M3', 'client', {
  at: 'switched',
  fault: 'offsetsNotCarried',
  protection: "the group's offset carried to the moved partition",
  caught: (verdict) => verdict !== undefined && verdict.duplicates.length > 0,
});
