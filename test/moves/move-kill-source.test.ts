import { describeMoveKills } from './move-kill-suite.js';

describeMoveKills('M1', 'source', {
  at: 'fencing',
  fault: 'unfenced',
  protection: "the source's fence",
  // Puts the source takes after recording its end land beyond it: the target's copy outgrows that
  // end and it refuses to switch, or, had it switched, those acked writes would be gone.
  caught: (verdict, refused) => refused !== undefined || (verdict?.lost.length ?? 0) > 0,
});
